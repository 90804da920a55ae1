"""Services: the use cases (submit, keys, and later capture, recheck, articles, citations).

The only place adapters meet; drivers (CLI, API, scheduler) call services, never adapters.
"""
