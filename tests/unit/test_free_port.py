"""A port chosen for a child process to bind later lies below the kernel's range for
outgoing connections' own ports, where no connection opened meanwhile can take it (one took
a test SMTP server's port between the choice and the bind, and the server could not start)."""

import socket

from shared.runtime.processes import HOST, RESERVED_PORTS, _outgoing_ports_start, free_port


def test_a_free_port_is_below_the_outgoing_range_and_free() -> None:
    ports = {free_port() for _ in range(50)}
    top = _outgoing_ports_start()
    assert all(port < top for port in ports)
    assert not ports & RESERVED_PORTS
    assert len(ports) > 1  # chosen at random, not the same one each time
    with socket.socket() as sock:
        sock.bind((HOST, ports.pop()))  # still free: nothing took it
