# PostgreSQL for the local overlay and `npm run test:deploy` (a cluster uses CloudNativePG instead):
# Debian's postgresql-15, run as uid 10001, data in PGDATA (a volume), password-less ("trust")
# access for the postgres role from anywhere it can be reached. For laptops and tests only.
ARG BASE=debian:bookworm-slim
FROM ${BASE}
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql-15 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --uid 10001 --user-group --no-create-home --home-dir /var/lib/postgresql microshop \
 && mkdir -p /var/lib/postgresql/data /var/run/postgresql \
 && chown -R 10001:10001 /var/lib/postgresql /var/run/postgresql
ENV PATH=/usr/lib/postgresql/15/bin:$PATH \
    PGDATA=/var/lib/postgresql/data/pgdata
COPY --chmod=0755 postgres-entrypoint.sh /usr/local/bin/postgres-entrypoint.sh
USER 10001:10001
EXPOSE 5432
STOPSIGNAL SIGINT
CMD ["/usr/local/bin/postgres-entrypoint.sh"]
