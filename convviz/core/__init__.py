"""The pure core: network spec, geometry, hand-made filters and compute. No Qt in here.

Everything the UI shows is worked out here first, so tests can drive it alone.
"""
