# bantin: build with `docker build -t bantin .`, see the README for running it.

# ---- build ----------------------------------------------------------------------------------
# The full Rust image carries the C compiler, make and perl that the bundled SQLite, libpq and
# OpenSSL builds need.
FROM rust:1-bookworm AS build
WORKDIR /src

# Dependencies first, against placeholder sources, so this layer is reused until Cargo.toml or
# Cargo.lock changes.
COPY Cargo.toml Cargo.lock build.rs ./
RUN mkdir -p src tests/api \
    && echo 'fn main() {}' > src/main.rs \
    && touch src/lib.rs tests/api/main.rs \
    && cargo build --release --locked \
    && rm -rf src tests

COPY src ./src
COPY migrations ./migrations
COPY tests ./tests
COPY openapi ./openapi
# Copied files may keep timestamps older than the placeholder build: touch them so cargo rebuilds.
RUN find src tests -name '*.rs' -exec touch {} + \
    && cargo build --release --locked \
    && ./target/release/bantin --version

# ---- runtime --------------------------------------------------------------------------------
FROM debian:bookworm-slim

RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --user-group --home-dir /var/lib/bantin --create-home \
        --shell /usr/sbin/nologin bantin

COPY --from=build /src/target/release/bantin /usr/local/bin/bantin

WORKDIR /var/lib/bantin
ENV BANTIN_BIND=0.0.0.0:8080 \
    BANTIN_DATABASE_URL=sqlite:///var/lib/bantin/bantin.db \
    BANTIN_LOG_FORMAT=json
# The bundled OpenSSL looks for CA certificates under its own prefix; point it at Debian's.
ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
    SSL_CERT_DIR=/etc/ssl/certs

EXPOSE 8080
USER bantin
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s \
    CMD curl -fsS http://127.0.0.1:8080/health/live || exit 1

ENTRYPOINT ["bantin"]
CMD ["serve"]
