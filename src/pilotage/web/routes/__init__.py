"""The web app's routers, one module per area; ``app.py`` only wires them."""
