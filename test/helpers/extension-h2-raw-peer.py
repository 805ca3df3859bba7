#!/usr/bin/python3
# A raw HTTP/2 router peer for the extension's DATA-before-HEADERS test, written with the sans-IO h2 library so it can
# break the protocol on purpose. Connection 1: the first channel POST gets a DATA frame before any HEADERS (the bug of
# http2-protocol-error-notes.md) and nothing else is answered there. Later connections: each channel POST gets 200
# and one tunnelled "GET /ping"; after SERVE requests every further POST gets the goaway pseudo-request.
# Prints one JSON line per event on stdout. Usage: extension-h2-raw-peer.py [SERVE]
import json
import socket
import struct
import sys
import threading

import h2.config
import h2.connection
import h2.events
import h2.exceptions

SERVE = int(sys.argv[1]) if len(sys.argv) > 1 else 3
LOCK = threading.Lock()
STATE = {"connections": 0, "dispatched": 0, "bad_sent": False}


def emit(event):
    with LOCK:
        print(json.dumps(event), flush=True)


def raw_data_frame(stream_id, payload):
    # RFC 9113 §4.1 frame header: 24-bit length, type 0x0 (DATA), flags 0, 31-bit stream id.
    return struct.pack(">I", len(payload))[1:] + b"\x00\x00" + struct.pack(">I", stream_id) + payload


def handle(sock, number):
    conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False, header_encoding="utf-8"))
    conn.initiate_connection()
    sock.sendall(conn.data_to_send())
    streams = {}
    while True:
        try:
            data = sock.recv(65535)
        except OSError:
            break
        if not data:
            break
        try:
            events = conn.receive_data(data)
        except h2.exceptions.ProtocolError as error:
            emit({"event": "protocol-error", "connection": number, "detail": str(error)})
            break
        for event in events:
            if isinstance(event, h2.events.RequestReceived):
                on_request(conn, sock, number, streams, event)
            elif isinstance(event, h2.events.DataReceived):
                conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
                if event.stream_id in streams:
                    streams[event.stream_id]["data"] += event.data
            elif isinstance(event, h2.events.StreamEnded):
                on_stream_ended(streams.pop(event.stream_id, None))
            elif isinstance(event, h2.events.StreamReset):
                emit({"event": "stream-reset", "connection": number, "code": int(event.error_code)})
            elif isinstance(event, h2.events.ConnectionTerminated):
                emit({"event": "goaway-received", "connection": number, "code": int(event.error_code)})
        pending = conn.data_to_send()
        if pending:
            sock.sendall(pending)
    sock.close()
    emit({"event": "connection-closed", "connection": number})


def on_request(conn, sock, number, streams, event):
    headers = dict(event.headers)
    path = headers[":path"]
    stream_id = event.stream_id
    if not path.startswith("/api/chunked/request/"):
        # ping and close: answer at once.
        conn.send_headers(stream_id, [(":status", "200")], end_stream=True)
        emit({"event": "control", "path": path})
        return
    lambda_id, channel_id = path.split("/")[-2:]
    if number == 1:
        if not STATE["bad_sent"]:
            STATE["bad_sent"] = True
            sock.sendall(raw_data_frame(stream_id, b"GET /ping HTTP/1.1\r\n\r\n"))
            emit({"event": "bad-data-sent", "channel": channel_id})
        return
    conn.send_headers(stream_id, [(":status", "200"), ("content-type", "application/octet-stream")])
    with LOCK:
        serve = STATE["dispatched"] < SERVE
        if serve:
            STATE["dispatched"] += 1
    if serve:
        head = b"GET /ping HTTP/1.1\r\nHost: raw-peer\r\n\r\n"
        streams[stream_id] = {"kind": "request", "data": b"", "channel": channel_id}
    else:
        head = ("GET /_lambda_dispatch/goaway HTTP/1.1\r\nX-Lambda-Id: %s\r\nX-Channel-Id: %s\r\n\r\n"
                % (lambda_id, channel_id)).encode("latin-1")
        streams[stream_id] = {"kind": "goaway", "data": b"", "channel": channel_id}
    conn.send_data(stream_id, head, end_stream=True)


def on_stream_ended(stream):
    if stream is None:
        return
    if stream["kind"] == "goaway":
        emit({"event": "goaway-answered", "channel": stream["channel"], "bytes": len(stream["data"])})
        return
    head, _, body = stream["data"].partition(b"\r\n\r\n")
    status = int(head.split(b" ")[1]) if head else 0
    emit({"event": "response", "channel": stream["channel"], "status": status, "body": body.decode("latin-1")})


def main():
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    emit({"event": "listening", "port": listener.getsockname()[1]})
    while True:
        sock, _ = listener.accept()
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with LOCK:
            STATE["connections"] += 1
            number = STATE["connections"]
        threading.Thread(target=handle, args=(sock, number), daemon=True).start()


if __name__ == "__main__":
    main()
