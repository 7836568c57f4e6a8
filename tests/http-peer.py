#!/usr/bin/env python3
"""A real HTTP server on loopback that misbehaves on request, for the probe
tests.  Prints its port, then serves until stdin closes.
  /hello      200, "Hello World!\\n", Content-Type: text/plain
  /nonewline  200, "Hello World!" (no final newline)
  /big        200 with a 100 MB body, streamed
  /noheaders  a body with no status line or headers at all
  /badstatus  "HTTP/1.1 abc OK"
  /runaway    200, 5000 "a"s (a pattern like (a+)+b backtracks without end)
  /slow       reads the request and never answers
  /slow-once  the first such request never answered, the next as /hello
"""
import socket
import sys
import threading


SLOW_ONCE = []


def handle(conn):
    try:
        req = b""
        while b"\r\n\r\n" not in req:
            chunk = conn.recv(4096)
            if not chunk:
                return
            req += chunk
        path = req.split(b" ")[1].decode()
        if path == "/hello":
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                         b"Content-Length: 13\r\nConnection: close\r\n\r\nHello World!\n")
        elif path == "/nonewline":
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 12\r\n"
                         b"Connection: close\r\n\r\nHello World!")
        elif path == "/big":
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % (100 << 20))
            block = b"x" * 65536
            for _ in range(1600):
                conn.sendall(block)
        elif path == "/runaway":
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n"
                         b"Connection: close\r\n\r\n" + b"a" * 5000)
        elif path == "/noheaders":
            conn.sendall(b"Hello World!\n")
        elif path == "/badstatus":
            conn.sendall(b"HTTP/1.1 abc OK\r\nContent-Length: 0\r\n\r\n")
        elif path == "/slow":
            threading.Event().wait(30)
        elif path == "/slow-once" and not SLOW_ONCE:
            SLOW_ONCE.append(1)
            threading.Event().wait(30)
        elif path == "/slow-once":
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 13\r\n"
                         b"Connection: close\r\n\r\nHello World!\n")
        else:
            conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
    except OSError:
        pass
    finally:
        conn.close()


def main():
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", int(sys.argv[1]) if len(sys.argv) > 1 else 0))
    srv.listen(16)
    print(srv.getsockname()[1], flush=True)

    def serve():
        while True:
            conn, _ = srv.accept()
            threading.Thread(target=handle, args=(conn,), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    sys.stdin.read()


if __name__ == "__main__":
    main()
