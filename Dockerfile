# iam-refine in a container: both binaries (`iam-refine`, and `iam-refine-prover`, which
# links libz3) on Debian 12 slim with Debian's libz3 (4.8.12), so every subcommand runs,
# proofs included. Build from a checkout:
#
#   docker build -t iam-refine .
#   docker run --rm -v "$PWD:/work" iam-refine ci plan.json --format sarif > iam-refine.sarif
#
# The work folder is /work; the arguments are a subcommand and its flags, or `sh -c '...'`
# (scripts/docker-entrypoint.sh). cli/tests/action.rs checks that the runtime stage installs the
# Debian package of every shared library the release binaries link.

FROM rust:1.82-slim-bookworm AS build
# libz3-dev to link the prover; libclang-dev for z3-sys's bindgen, which reads z3.h.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libz3-dev libclang-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p iam-refine-cli -p iam-refine-prover

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends libz3-4 \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/target/release/iam-refine /src/target/release/iam-refine-prover /usr/local/bin/
COPY scripts/docker-entrypoint.sh /usr/local/bin/iam-refine-entrypoint
# No root needed at run time.
RUN useradd --create-home --uid 10001 iam-refine
USER iam-refine
WORKDIR /work
ENTRYPOINT ["iam-refine-entrypoint"]
CMD ["--help"]
