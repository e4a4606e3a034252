"""One construct per concern; infra/stack.py wires them from TOPOLOGY."""
