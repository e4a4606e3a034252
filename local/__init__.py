"""Embedded local AWS for development and end-to-end tests (dev tool only, never deployed).

``LocalCloud`` (local/cloud.py) runs moto's server, creates every resource declared in
``infra.topology.TOPOLOGY``, serves the HTTP routes through a local API Gateway, polls the
queues like Lambda event source mappings and ticks the schedules.
"""
