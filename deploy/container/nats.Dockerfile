# NATS with JetStream for the local overlay and `npm run test:deploy` (a cluster runs the
# nats-cluster component's StatefulSet): Debian's nats-server, run as uid 10001, its store in
# /var/lib/nats (a volume), clients on 4222 and monitoring on 8222.
ARG BASE=debian:bookworm-slim
FROM ${BASE}
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nats-server \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /var/lib/nats && chown 10001:10001 /var/lib/nats
USER 10001:10001
EXPOSE 4222 8222
CMD ["nats-server", "-js", "-sd", "/var/lib/nats", "-p", "4222", "-m", "8222"]
