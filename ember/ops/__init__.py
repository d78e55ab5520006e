"""The op families.  Importing this package attaches every Tensor method."""

from . import (  # noqa: F401  (imported for their Tensor methods)
    broadcast,
    creation,
    elementwise,
    indexing,
    inplace,
    linalg,
    random_ops,
    reduction,
    shape,
)
