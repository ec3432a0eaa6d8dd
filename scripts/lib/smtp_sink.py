#!/usr/bin/env python3
"""A loopback SMTP server for the tests (aiosmtpd), delivering into a Maildir.

    smtp_sink.py --port PORT --maildir DIR

Every accepted message becomes one file in DIR/new/. Recipients at the domain
`bounce.test` are refused at RCPT with `550 5.1.1` (a permanent bounce); recipients
at `tempfail.test` get `451 4.3.0` (a transient failure). Listens on 127.0.0.1 only.
Stops on SIGTERM/SIGINT.
"""
import argparse
import asyncio
import mailbox
import signal
import sys

from aiosmtpd.controller import Controller


class Handler:
    def __init__(self, maildir):
        self.box = mailbox.Maildir(maildir, create=True)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        domain = address.rsplit("@", 1)[-1].lower()
        if domain == "bounce.test":
            return "550 5.1.1 <%s>: Recipient address rejected: user unknown" % address
        if domain == "tempfail.test":
            return "451 4.3.0 <%s>: try again later" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        data = envelope.original_content or envelope.content
        if isinstance(data, str):
            data = data.encode("utf-8")
        # The envelope recipients, for tests that check them (like Postfix's X-Original-To).
        prefix = "".join("X-Envelope-To: %s\r\n" % r for r in envelope.rcpt_tos).encode()
        self.box.add(prefix + data)
        return "250 OK: queued"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--maildir", required=True)
    args = parser.parse_args()
    controller = Controller(
        Handler(args.maildir),
        hostname="127.0.0.1",
        port=args.port,
        enable_SMTPUTF8=True,
        decode_data=False,
        data_size_limit=10 * 1024 * 1024,
    )
    controller.start()
    print("smtp_sink: listening on 127.0.0.1:%d" % args.port, flush=True)
    stop = asyncio.Event()
    loop = asyncio.new_event_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        loop.run_until_complete(stop.wait())
    finally:
        controller.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
