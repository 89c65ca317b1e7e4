# Saman as a container: built in one stage, run from a small image as a non-root user.
#
#   docker build -t saman .            (or: podman build -t saman .)
#   docker compose up                  Saman with PostgreSQL: see compose.yaml and the README
#
# The image serves on port 8080 and keeps a SQLite database under /var/lib/saman unless
# SAMAN_DATABASE_URL names a PostgreSQL. Settings are SAMAN_* variables (README).

FROM docker.io/library/rust:1.95-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin saman \
    && strip target/release/saman

FROM docker.io/library/debian:bookworm-slim
# CA certificates, for ID-porten, a tenant's own directory and SMTP over TLS. Debian's
# bookworm repository is frozen but for security updates, which the build should take.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --user-group --home-dir /var/lib/saman --create-home saman
COPY --from=build /src/target/release/saman /usr/local/bin/saman
USER 10001:10001
WORKDIR /var/lib/saman
ENV SAMAN_ADDR=0.0.0.0:8080 \
    SAMAN_DATABASE_URL=sqlite:/var/lib/saman/data/saman.db \
    SAMAN_DEMO=false \
    SAMAN_LOG_FORMAT=json
EXPOSE 8080
VOLUME ["/var/lib/saman"]
# Ready means the database answers (GET /readyz).
HEALTHCHECK --interval=10s --timeout=3s --start-period=15s --retries=3 CMD ["saman", "ready"]
# SIGTERM finishes the requests in flight, then stops.
STOPSIGNAL SIGTERM
ENTRYPOINT ["saman"]
CMD ["serve"]
