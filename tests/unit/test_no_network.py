import socket

import pytest


def test_socket_connect_is_refused() -> None:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        with pytest.raises(AssertionError, match="network access attempted"):
            s.connect(("93.184.216.34", 443))
    finally:
        s.close()


def test_dns_is_refused() -> None:
    with pytest.raises(AssertionError, match="DNS lookup attempted"):
        socket.getaddrinfo("example.com", 443)
