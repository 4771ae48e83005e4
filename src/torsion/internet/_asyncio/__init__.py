"""The asyncio and uvloop backend: a poller over an asyncio loop, TCP on asyncio's transports."""
