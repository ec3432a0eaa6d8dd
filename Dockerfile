# syntax=docker/dockerfile:1
# Veche's container image: `docker build -t ghcr.io/veche/veche:TAG .`
#
# Every template, catalog, stylesheet and the Moscow district GeoJSON are compiled into the
# binary (include_str!), so the runtime image holds the binary alone. At run time Veche writes
# only under VECHE_DATA_DIR (/data): the embedded SQLite store and its media/, or, with
# MONGODB_URI set, nothing but the .eml files of an unset SMTP host (data/mail/).

ARG RUST_VERSION=1.95
ARG DEBIAN_RELEASE=bookworm

# ---------------------------------------------------------------- builder ---
FROM rust:${RUST_VERSION}-${DEBIAN_RELEASE} AS builder
WORKDIR /src
COPY . .
# The cargo registry and target/ are BuildKit caches: a rebuild after a code change compiles
# only the workspace. The binary is copied out of the cache within the same step.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bin veche \
    && install -D -m 0755 target/release/veche /out/veche

# ---------------------------------------------------------------- runtime ---
FROM debian:${DEBIAN_RELEASE}-slim AS runtime
# ca-certificates: for SMTP over TLS and MongoDB with tls=true (the TLS stacks are rustls;
# the system roots are there for operators who add their own CA).
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 veche \
    && useradd --system --uid 10001 --gid 10001 --home-dir /data --no-create-home \
       --shell /usr/sbin/nologin veche \
    && install -d -o 10001 -g 10001 -m 0750 /data

COPY --from=builder /out/veche /usr/local/bin/veche

ENV VECHE_LISTEN=0.0.0.0:8080 \
    VECHE_DATA_DIR=/data \
    VECHE_LOG_FORMAT=json
USER 10001:10001
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8080

# The image has no curl or wget and Veche has no health subcommand: bash (in every Debian
# image) speaks HTTP/1.0 to /healthz through /dev/tcp, on the port of VECHE_LISTEN.
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${VECHE_LISTEN##*:} && printf 'GET /healthz HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]

ENTRYPOINT ["/usr/local/bin/veche"]
CMD ["serve"]
