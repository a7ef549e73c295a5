"""Pruning methods that ship with ganbench, installed as the ``ganbench_plugins`` package.

Each module registers one method through the ``ganbench`` entry-point group, exactly as a
third-party package would.
"""
