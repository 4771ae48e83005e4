"""Scheduling on any ``IReactorTime``: ``Clock``, ``LoopingCall``, ``Cooperator``, ``react``."""
