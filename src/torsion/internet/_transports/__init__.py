"""Socket transports: the write buffer, the shared stream transport, TCP, UNIX, datagram ports."""
