"""The core: plain data types and the ports (Protocols) the use cases depend on."""
