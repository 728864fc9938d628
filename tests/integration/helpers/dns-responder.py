#!/usr/bin/env python3
"""A stand-in DNS server for usernet.bats: answers every A query with the
address given on the command line.  Usage: dns-responder.py BIND_IP ANSWER_IP"""
import socket
import sys

bind_ip, answer = sys.argv[1], socket.inet_aton(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((bind_ip, 53))
while True:
    q, peer = s.recvfrom(512)
    end = 12
    while q[end] != 0:
        end += q[end] + 1
    question = q[12:end + 5]
    reply = (q[:2] + b"\x81\x80" + b"\x00\x01\x00\x01\x00\x00\x00\x00" + question +
             b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04" + answer)
    s.sendto(reply, peer)
