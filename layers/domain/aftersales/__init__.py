"""After-sales ticket domain: models, rules and ports shared by every Lambda.

Nothing in this package imports boto3 except ``aftersales.adapters``.
"""

__version__ = "0.1.0"
