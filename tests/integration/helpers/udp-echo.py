#!/usr/bin/env python3
"""udp-echo.py serve PORT | serve-peer PORT | ask HOST PORT - a tiny UDP echo
for the network tests (busybox nc on Debian has no UDP mode).  `serve`
answers "udp-<payload>", `serve-peer` answers with the sender's address."""
import socket
import sys

if sys.argv[1] in ("serve", "serve-peer"):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", int(sys.argv[2])))
    while True:
        data, peer = s.recvfrom(512)
        if sys.argv[1] == "serve":
            s.sendto(b"udp-" + data, peer)
        else:
            s.sendto(peer[0].encode(), peer)
else:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(3)
    s.sendto(b"ping", (sys.argv[2], int(sys.argv[3])))
    print(s.recv(512).decode())
