import os
import sys

# tests import the oracle helpers as `from tests.oracle import check`
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
