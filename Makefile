# segbook: the two commands a reader needs are `make book` and `make test`.
# One configuration for everything: `swift build --build-tests` and `swift build` compile the
# dependencies (swift-syntax: minutes) with different flags, so both targets build with tests and
# `swift test` reuses that build.
SWIFT_FLAGS := -c release -Xswiftc -enable-testing
BIN := .build/release/segbook
APT_PACKAGES := pkg-config libcairo2-dev libpango1.0-dev libpng-dev libdnnl-dev libopenblas-dev \
	libcmark-gfm-dev libcmark-gfm-extensions-dev fonts-dejavu-core libjs-katex fonts-katex chromium
export OMP_NUM_THREADS ?= 2

.PHONY: book test deps build check clean

## Build the book into output/ (installs what is missing, builds the engine in release mode).
book: deps build
	$(BIN) build
	@echo "The book is at $(CURDIR)/output/index.html"

## Unit tests, then every chapter cell re-run and compared with its recorded result.
# The live-preview tests time a server on Swift's cooperative thread pool, which the other suites
# (run in parallel, CPU-bound) can starve on a 2-core machine: they run on their own, after.
test: deps build
	swift test --skip-build $(SWIFT_FLAGS) --skip SiteServeTests
	swift test --skip-build $(SWIFT_FLAGS) --filter SiteServeTests
	$(BIN) check --quick

## Install the Debian packages the build needs, only when one is missing.
deps:
	@missing=""; for p in $(APT_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "Installing:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

build:
	swift build --build-tests $(SWIFT_FLAGS)

check: build
	$(BIN) check

clean:
	rm -rf .build .segbook-cache output/*.html
