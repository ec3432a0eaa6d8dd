#!/usr/bin/env python3
"""Wait until a MongoDB-compatible server answers `ping`.

Usage: mongo_ping.py HOST PORT TIMEOUT_SECONDS

Sends {ping: 1, $db: "admin"} as an OP_MSG (opcode 2013) over the MongoDB wire
protocol, reads the reply and checks that it says ok == 1. Retries (short poll
interval) until it succeeds or the deadline passes. Exit 0 on success, 1
otherwise (the last error goes to stderr). Pure python3 standard library.
"""

import socket
import struct
import sys
import time

OP_MSG = 2013
POLL_INTERVAL = 0.1


def bson_cstring(s):
    b = s.encode("utf-8")
    if b"\x00" in b:
        raise ValueError("NUL in BSON key")
    return b + b"\x00"


def bson_ping_doc():
    """Hand-encoded BSON for {ping: int32 1, $db: "admin"}."""
    body = b""
    body += b"\x10" + bson_cstring("ping") + struct.pack("<i", 1)  # int32
    db = "admin".encode("utf-8") + b"\x00"
    body += b"\x02" + bson_cstring("$db") + struct.pack("<i", len(db)) + db  # string
    body += b"\x00"  # end of document
    return struct.pack("<i", 4 + len(body)) + body


def op_msg(request_id, doc):
    flag_bits = struct.pack("<I", 0)
    section = b"\x00" + doc  # kind 0: body
    payload = flag_bits + section
    header = struct.pack("<iiii", 16 + len(payload), request_id, 0, OP_MSG)
    return header + payload


def read_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("connection closed by server")
        buf += chunk
    return buf


def read_cstring(data, pos):
    end = data.index(b"\x00", pos)
    return data[pos:end].decode("utf-8", "replace"), end + 1


# Fixed sizes of BSON element values, by type byte.
FIXED = {0x01: 8, 0x07: 12, 0x08: 1, 0x09: 8, 0x0A: 0, 0x10: 4, 0x11: 8,
         0x12: 8, 0x13: 16, 0x7F: 0, 0xFF: 0, 0x06: 0}


def parse_bson_top(doc):
    """Parse the top level of a BSON document into {key: value}.

    Scalars used by a reply's status (double, int32, int64, bool, string) are
    decoded; anything else is skipped and stored as None.
    """
    (total,) = struct.unpack_from("<i", doc, 0)
    if total != len(doc) or doc[-1] != 0:
        raise ValueError("malformed BSON document")
    out = {}
    pos = 4
    while pos < total - 1:
        t = doc[pos]
        pos += 1
        key, pos = read_cstring(doc, pos)
        if t == 0x01:
            (out[key],) = struct.unpack_from("<d", doc, pos)
            pos += 8
        elif t == 0x10:
            (out[key],) = struct.unpack_from("<i", doc, pos)
            pos += 4
        elif t == 0x12:
            (out[key],) = struct.unpack_from("<q", doc, pos)
            pos += 8
        elif t == 0x08:
            out[key] = doc[pos] != 0
            pos += 1
        elif t in (0x02, 0x0D, 0x0E):  # string, JS code, symbol
            (n,) = struct.unpack_from("<i", doc, pos)
            out[key] = doc[pos + 4:pos + 4 + n - 1].decode("utf-8", "replace")
            pos += 4 + n
        elif t in (0x03, 0x04, 0x0F):  # document, array, code with scope
            (n,) = struct.unpack_from("<i", doc, pos)
            out[key] = None
            pos += n
        elif t == 0x05:  # binary: int32 len, subtype byte, bytes
            (n,) = struct.unpack_from("<i", doc, pos)
            out[key] = None
            pos += 4 + 1 + n
        elif t == 0x0B:  # regex: two cstrings
            _, pos = read_cstring(doc, pos)
            _, pos = read_cstring(doc, pos)
            out[key] = None
        elif t == 0x0C:  # DBPointer: string + 12 bytes
            (n,) = struct.unpack_from("<i", doc, pos)
            pos += 4 + n + 12
            out[key] = None
        elif t in FIXED:
            out[key] = None
            pos += FIXED[t]
        else:
            raise ValueError(f"unknown BSON type 0x{t:02x}")
        if pos > total - 1:
            raise ValueError("BSON element runs past the end")
    return out


def ping_once(host, port, timeout):
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.settimeout(timeout)
        request_id = 1
        sock.sendall(op_msg(request_id, bson_ping_doc()))
        header = read_exact(sock, 16)
        length, _rid, response_to, opcode = struct.unpack("<iiii", header)
        if length < 16 + 5 or length > 48 * 1024 * 1024:
            raise ValueError(f"bad reply length {length}")
        body = read_exact(sock, length - 16)
    if opcode != OP_MSG:
        raise ValueError(f"unexpected reply opcode {opcode}")
    if response_to != request_id:
        raise ValueError(f"reply is to request {response_to}, not {request_id}")
    (flags,) = struct.unpack_from("<I", body, 0)
    pos = 4
    reply = None
    end = len(body) - (4 if flags & 1 else 0)  # checksumPresent
    while pos < end:
        kind = body[pos]
        pos += 1
        (n,) = struct.unpack_from("<i", body, pos)
        if kind == 0:
            reply = parse_bson_top(body[pos:pos + n])
        elif kind != 1:
            raise ValueError(f"unknown OP_MSG section kind {kind}")
        pos += n
    if reply is None:
        raise ValueError("reply has no body section")
    ok = reply.get("ok")
    if isinstance(ok, bool):
        ok = 1.0 if ok else 0.0
    if not isinstance(ok, (int, float)) or float(ok) != 1.0:
        raise ValueError(f"ping reply not ok: {reply}")


def main(argv):
    if len(argv) != 4:
        print("usage: mongo_ping.py HOST PORT TIMEOUT_SECONDS", file=sys.stderr)
        return 2
    host, port, timeout = argv[1], int(argv[2]), float(argv[3])
    deadline = time.monotonic() + timeout
    last = None
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        try:
            ping_once(host, port, max(0.2, min(2.0, remaining)))
            return 0
        except (OSError, ValueError, struct.error, IndexError) as e:
            last = e
        time.sleep(min(POLL_INTERVAL, max(0.0, deadline - time.monotonic())))
    print(f"mongo_ping: no ok reply from {host}:{port} within {timeout:g}s: {last}",
          file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
