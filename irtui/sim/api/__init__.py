"""The simulated API server's handlers, one module per API area; `irtui.sim.server` routes to them."""
