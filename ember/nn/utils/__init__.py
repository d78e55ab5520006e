"""``ember.nn.utils``: gradient clipping and parameter/vector conversion.

``nn.utils.rnn`` (packed sequences) is added by the recurrent family.
"""
