# Where no registry is reachable: the Node.js base images the Dockerfile takes as BUILDER and BASE,
# made from a Debian base and the Node.js binary, npm and headers in the build context's node/.
#   --build-arg TOOLCHAIN="python3 make g++" for the builder (native modules compile there).
# deploy/container/local-images.sh prepares the context and builds both.
ARG DEBIAN=debian:bookworm-slim
FROM ${DEBIAN}
ARG TOOLCHAIN=""
RUN if [ -n "${TOOLCHAIN}" ]; then apt-get update \
      && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${TOOLCHAIN} \
      && rm -rf /var/lib/apt/lists/*; fi
COPY node/ /usr/local/
RUN if [ -d /usr/local/lib/node_modules/npm ]; then \
      ln -sf ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm && ln -sf ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx; fi \
 && node --version
# node-gyp builds native modules against these headers instead of downloading them.
ENV npm_config_nodedir=/usr/local
