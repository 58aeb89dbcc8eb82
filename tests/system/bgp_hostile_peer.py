"""A deliberately misbehaving BGP peer for test_bgp_hostile.py.

It listens on ADDR:179 inside the router namespace, accepts metalgate's
connection, completes the OPEN exchange as AS 65001 (no capabilities, so
2-octet AS paths), then does MODE:

  garbage   sends 19 bytes whose marker is wrong
  toolong   sends a header announcing a 5000-byte message
  flood     sends COUNT UPDATEs of 500 /32 prefixes each (bounded), then
            KEEPALIVEs so the session stays up
  badattr   sends an UPDATE whose ORIGIN attribute has length 2 (RFC 7606:
            treat-as-withdraw, the session stays), then KEEPALIVEs
  badlen    sends an UPDATE whose withdrawn-routes length overruns it
  slowread  does not read for COUNT milliseconds (metalgate's queue fills up),
            then reads as fast as it can until End-of-RIB and prints
            "eor PREFIXES SECONDS" (the time since it started reading)

and prints, one per line: "open" when metalgate's OPEN arrived, "notification
CODE SUBCODE" for each NOTIFICATION it receives, "closed" at EOF, "sent N"
after a flood. It stops by itself after TIMEOUT seconds.

    bgp_hostile_peer.py ADDR MODE [COUNT] [TIMEOUT]
"""

import socket
import struct
import sys
import time

MARKER = b"\xff" * 16


def msg(mtype, body=b""):
    return MARKER + struct.pack("!HB", 19 + len(body), mtype) + body


def open_msg():
    return msg(1, struct.pack("!BHHIB", 4, 65001, 90, 0xC6120001, 0))


def update(base, n):
    attrs = (b"\x40\x01\x01\x00"                     # ORIGIN IGP
             b"\x40\x02\x04\x02\x01" + struct.pack("!H", 65001) +  # AS_PATH 65001
             b"\x40\x03\x04\xc6\x12\x01\x01")        # NEXT_HOP
    nlri = b"".join(b"\x20" + struct.pack("!I", base + i) for i in range(n))
    return msg(2, struct.pack("!H", 0) + struct.pack("!H", len(attrs)) + attrs + nlri)


def read_msg(conn, buf):
    while len(buf) < 19 or len(buf) < struct.unpack("!H", buf[16:18])[0]:
        chunk = conn.recv(65536)
        if not chunk:
            return None, buf
        buf += chunk
    length = struct.unpack("!H", buf[16:18])[0]
    return buf[:length], buf[length:]


def report(conn, buf, until):
    conn.settimeout(0.2)
    while time.monotonic() < until:
        try:
            m, buf = read_msg(conn, buf)
        except socket.timeout:
            continue
        if m is None:
            print("closed", flush=True)
            return buf
        if m[18] == 3:
            print(f"notification {m[19]} {m[20]}", flush=True)
    return buf


def main():
    addr, mode = sys.argv[1], sys.argv[2]
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    deadline = time.monotonic() + (float(sys.argv[4]) if len(sys.argv) > 4 else 30)
    srv = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if mode == "slowread":  # a small window: metalgate's own queue must fill up
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    srv.bind((addr, 179))
    srv.listen(1)
    srv.settimeout(max(1, deadline - time.monotonic()))
    conn, _ = srv.accept()
    conn.settimeout(10)
    m, buf = read_msg(conn, b"")
    if m is not None and m[18] == 1:
        print("open", flush=True)
    conn.sendall(open_msg() + msg(4))
    if mode == "garbage":
        conn.sendall(b"\x00" * 16 + struct.pack("!HB", 19, 4))
    elif mode == "toolong":
        conn.sendall(MARKER + struct.pack("!HB", 5000, 2) + b"\x00" * 100)
    elif mode == "badattr":
        attrs = b"\x40\x01\x02\x00\x00"
        conn.sendall(msg(2, struct.pack("!H", 0) + struct.pack("!H", len(attrs)) + attrs +
                         b"\x20\x0a\x00\x00\x01"))
        for _ in range(int(max(0, deadline - time.monotonic()) / 2)):
            buf = report(conn, buf, time.monotonic() + 2)
            conn.sendall(msg(4))
    elif mode == "slowread":
        time.sleep(count / 1000)
        prefixes, start = 0, time.monotonic()
        conn.settimeout(max(1, deadline - time.monotonic()))
        while True:
            m, buf = read_msg(conn, buf)
            if m is None:
                print("closed", flush=True)
                return
            if m[18] != 2:
                continue
            wlen = struct.unpack("!H", m[19:21])[0]
            alen = struct.unpack("!H", m[21 + wlen:23 + wlen])[0]
            if wlen == 0 and alen == 0 and len(m) == 23:  # IPv4 End-of-RIB
                print(f"eor {prefixes} {time.monotonic() - start:.3f}", flush=True)
                break
            prefixes += (len(m) - 23 - wlen - alen) // 5  # /32s: 1 + 4 bytes each
    elif mode == "badlen":
        conn.sendall(msg(2, struct.pack("!H", 5000) + b"\x00" * 8))
    elif mode == "flood":
        sent = 0
        for i in range(count):
            if time.monotonic() > deadline - 5:
                break
            conn.sendall(update(0x0A000000 + i * 500, 500))
            sent += 1
            if i % 100 == 0:
                conn.sendall(msg(4))
        print(f"sent {sent}", flush=True)
        conn.sendall(msg(4))
    report(conn, buf, deadline)
    conn.close()


if __name__ == "__main__":
    main()
