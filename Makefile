# casca - a lightweight OCI container runtime.  Plain make; see README.md.

PREFIX    ?= /usr/local
# casca re-executes from a sealed copy of its binary where it cannot use its
# exec stub (runtime/sealed-exe.c), copying what is installed: stripped
# unless INSTALL_STRIP=
INSTALL_STRIP ?= -s
BUILD     ?= build
CC        ?= cc
STATIC_CC ?= gcc
# Linked: what nearly every call needs.  The others are loaded with dlopen()
# by the verbs that need them (util/dl.h says why), so only their headers are
# used here: libsystemd (cgroup/sdbus.c, the systemd cgroup manager), libmnl
# and libnftnl (netns/netlibs.h, networking), libyaml (cloud-init seeds).
LINK_PKGS := libseccomp libcap yajl
PKGS      := $(LINK_PKGS) libmnl libnftnl yaml-0.1 libsystemd
# What dlopen() asks for: the SONAME of the development library's link, or
# Debian 12's where it is not installed yet (`make deps` comes first)
soname     = $(or $(shell objdump -p "$$($(CC) -print-file-name=$(1).so)" 2>/dev/null | \
                awk '$$1 == "SONAME" { print $$2 }'),$(2))
DL_NAMES  := -DCASCA_MNL_SONAME='"$(call soname,libmnl,libmnl.so.0)"' \
             -DCASCA_NFTNL_SONAME='"$(call soname,libnftnl,libnftnl.so.11)"' \
             -DCASCA_YAML_SONAME='"$(call soname,libyaml,libyaml-0.so.2)"' \
             -DCASCA_SDBUS_SONAME='"$(call soname,libsystemd,libsystemd.so.0)"'

# Debian packages the build, the demo, the checks and the VM lane need.
# `make deps` installs the missing ones of all of them (check runs it first);
# `make deps-demo` only what `make demo` needs, `make deps-lint` only what
# `make lint` needs, `make deps-bench` adds the benchmarks' runtimes.
DEB_BUILD := build-essential pkg-config libseccomp-dev libcap-dev libyajl-dev libmnl-dev \
             libnftnl-dev libyaml-dev libsystemd-dev
# tests/demo.sh: the tests' busybox rootfs, python3 to edit config.json
DEB_DEMO  := busybox-static python3
# tests/lint.sh: shellcheck, the Makefile's lint-format (clang-format) and
# lint-analyze (clang --analyze; pkg-config and the -dev headers of DEB_BUILD)
DEB_LINT  := shellcheck clang-format clang python3 $(DEB_BUILD)
DEB_TEST  := dnsmasq-base bats bats-assert bats-support busybox-static python3 python3-jsonschema \
             iproute2 nftables util-linux procps psmisc clang libclang-rt-14-dev \
             uidmap passt criu
DEB_VM    := qemu-system-x86 linux-image-amd64 cpio xz-utils kmod
# The VM lane's systemd mode (tests/vm/run-in-vm.sh -S) boots the host's
# systemd and D-Bus; tools/mkrootfs-debian builds system-container rootfs
# (getcap, setcap: its --shift); system-boot.bats logs into one (ssh,
# ssh-keygen).
DEB_VM_SYSTEMD := systemd dbus mmdebstrap libcap2-bin openssh-client
# The engines of tests/integration/{podman,podman-rootless,containerd}.bats
# (VM lane); slirp4netns is rootless podman's network helper.
DEB_ENGINES := podman conmon catatonit containerd slirp4netns
DEB_BENCH := crun runc hyperfine time bubblewrap lxc
# The aarch64 lane (tests/aarch64/run.sh): the cross compiler and libc for
# the stub and its test program, qemu-system-aarch64 (the kernel it boots
# is fetched by the lane, with apt, into a cache of its own)
DEB_AARCH64 := gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-system-arm cpio
DEB_ALL   := $(DEB_BUILD) $(DEB_DEMO) $(DEB_LINT) $(DEB_TEST) $(DEB_VM) $(DEB_VM_SYSTEMD) \
             $(DEB_ENGINES) $(DEB_AARCH64)

WARN      := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wmissing-prototypes \
             -Wstrict-prototypes -Wvla -Wimplicit-fallthrough -Wno-unused-parameter
HARDEN    := -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
# The release build is tuned for size (issue 14: casca copies its own binary
# on every run and exec): -Os; link-time optimisation (LTO; the library's
# objects are fat (IR and code), so libcasca.a links without LTO too; `make
# LTO=` builds without it); no unwind tables (C without exceptions: nothing
# unwinds at run time; -g still writes .debug_frame for gdb).  The sanitizer
# and fuzz builds set CFLAGS themselves.
OPT       ?= -Os -g -fno-asynchronous-unwind-tables -fno-unwind-tables
LTO       ?= -flto=auto -ffat-lto-objects
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(LINK_PKGS) 2>/dev/null)
CPPFLAGS  += -D_GNU_SOURCE -Iinclude -I. -I$(BUILD)/gen $(DL_NAMES)
CFLAGS    ?= $(OPT) $(LTO)
ALL_CFLAGS = -std=gnu11 $(WARN) $(HARDEN) $(CFLAGS) $(PKG_CFLAGS) -MMD -MP
# The test programs link the objects' code without LTO (the objects are fat):
# a change to one file relinks every test, which LTO would make 3x slower
NO_LTO     = $(if $(filter -flto%,$(CFLAGS)),-fno-lto)
# Relative relocations packed as DT_RELR (binutils >= 2.38, glibc >= 2.36):
# 28 KB less than .rela.dyn's 24 bytes each, where the linker knows the flag
RELR      := $(shell $(CC) -Wl,--help 2>/dev/null | grep -q pack-relative-relocs && \
                echo -Wl,-z,pack-relative-relocs)
LDFLAGS   += -pie -Wl,-z,relro,-z,now -Wl,--as-needed -Wl,--gc-sections $(RELR)
LDLIBS    += $(PKG_LIBS)

LIB_SRCS  := $(sort $(wildcard util/*.c cgroup/*.c netns/*.c seccomp/*.c runtime/*.c))
CLI_SRCS  := $(sort $(wildcard cli/*.c))
LIB_HDRS  := $(wildcard include/*.h util/*.h cgroup/*.h netns/*.h seccomp/*.h runtime/*.h)
UNIT_SRCS := $(sort $(wildcard tests/unit/test-*.c))
TOOL_SRCS := $(sort $(wildcard tests/tools/*.c))
LIB_OBJS  := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
CLI_OBJS  := $(CLI_SRCS:%.c=$(BUILD)/obj/%.o)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
TOOL_BINS := $(TOOL_SRCS:tests/tools/%.c=$(BUILD)/tests/%)

.PHONY: all lib install uninstall deps deps-bench demo check tests check-unit check-host check-vm check-schema bench soak \
        format clean vm-kernel fuzz fuzz-smoke fuzz-build check-asan check-fuzz asan-build \
        check-vm-systemd rootfs-debian check-rootfs-debian rootfs-system

all: $(BUILD)/casca lib

# libcasca: the static archive the casca binary and the tests link, and the
# shared library with its soname and casca.pc.  Library objects are built
# position-independent with hidden visibility: the shared library exports
# what include/casca.h marks CASCA_EXPORT, as include/libcasca.sym lists.
VERSION   := $(shell sed -n 's/^\#define CASCA_VERSION "\(.*\)"/\1/p' include/casca.h)
SOVERSION := 0
SONAME    := libcasca.so.$(SOVERSION)
LIB_SO    := $(BUILD)/libcasca.so.$(VERSION)
$(LIB_OBJS): OBJ_FLAGS := -fPIC -fvisibility=hidden
# every symbol libcasca.so uses is resolved at link time; not in a sanitizer
# build, whose runtime the program that loads the library brings
SANITIZE  = $(filter -fsanitize=% -fno-sanitize-recover=%,$(CFLAGS))
SO_NO_UNDEFINED = $(if $(SANITIZE),,-Wl,--no-undefined)

lib: $(BUILD)/libcasca.a $(LIB_SO) $(BUILD)/casca.pc

V ?= 0
Q := $(if $(filter 1,$(V)),,@)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(OBJ_FLAGS) -ffunction-sections -fdata-sections -c -o $@ $<

$(BUILD)/libcasca.a: $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(LIB_SO): $(LIB_OBJS) include/libcasca.sym
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) -fPIC -shared -Wl,-soname,$(SONAME) -Wl,--version-script=include/libcasca.sym \
	    $(SO_NO_UNDEFINED) -Wl,-z,relro,-z,now -Wl,--as-needed -Wl,--gc-sections \
	    -o $@ $(LIB_OBJS) $(LDLIBS)
	$(Q)ln -sf $(notdir $@) $(BUILD)/$(SONAME) && ln -sf $(SONAME) $(BUILD)/libcasca.so

# casca.pc for PREFIX, LIBDIR and INCLUDEDIR as given now (make install
# writes it again for its own)
PC_SED = sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
	     -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(VERSION)|' -e 's|@REQUIRES@|$(LINK_PKGS)|'
$(BUILD)/casca.pc: casca.pc.in include/casca.h Makefile
	@mkdir -p $(dir $@)
	$(Q)$(PC_SED) $< > $@

# The unit lane runs every $(BUILD)/tests/test-*: this one is
# tests/install/test-install.sh (make install/uninstall under a temp prefix).
$(BUILD)/tests/test-install: tests/install/test-install.sh Makefile
	@mkdir -p $(dir $@)
	$(Q)printf '#!/bin/sh\nCC="%s" DEMO_CFLAGS="%s" exec "%s/tests/install/test-install.sh" "%s"\n' \
	    "$(CC)" "$(SANITIZE)" "$(CURDIR)" "$(abspath $(BUILD))" > $@ && chmod +x $@

# The exec stub (runtime/stub/casca-stub.c; runtime/sealed-exe.c says what it
# is for): static and freestanding, built with its own flags whatever CFLAGS
# say (a sanitizer build's too: it has no libc to sanitize), embedded in the
# library as bytes ($(BUILD)/gen/runtime/stub/casca-stub.h).  For an
# architecture it has no syscall glue for the header is empty and the
# runtime re-executes from a sealed copy of itself instead.
STUB_CC     ?= $(CC)
STUB_ARCH   := $(shell $(STUB_CC) -dumpmachine 2>/dev/null | cut -d- -f1)
STUB_CFLAGS := -std=gnu11 -Os -Wall -Wextra -Werror -ffreestanding -fno-builtin \
               -fno-stack-protector -fno-asynchronous-unwind-tables -fno-unwind-tables \
               -fno-pie -fno-lto $(if $(filter x86_64,$(STUB_ARCH)),-mno-red-zone -fcf-protection=none)
STUB_LDFLAGS := -nostdlib -static -s -Wl,--build-id=none -Wl,-z,noexecstack \
                -Wl,-z,norelro -Wl,-z,max-page-size=4096 -Wl,-z,noseparate-code
$(BUILD)/casca-stub: runtime/stub/casca-stub.c runtime/sync-wire.h
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  STUB    $@")
	$(Q)$(STUB_CC) -Iinclude -I. $(STUB_CFLAGS) $(STUB_LDFLAGS) -o $@ $<

$(BUILD)/gen/runtime/stub/casca-stub.h: $(if $(filter x86_64 aarch64,$(STUB_ARCH)),$(BUILD)/casca-stub)
	@mkdir -p $(dir $@)
	$(Q){ echo '/* generated from runtime/stub/casca-stub.c: the exec stub, $(STUB_ARCH) */'; \
	  if [ -n "$<" ]; then \
	    echo 'static const unsigned char casca_stub_image[] = {'; \
	    od -An -v -tx1 $< | sed -e 's/ \([0-9a-f][0-9a-f]\)/0x\1,/g' -e 's/^/        /'; \
	    echo '};'; \
	  else echo 'static const unsigned char casca_stub_image[1]; /* none for $(STUB_ARCH) */'; \
	    echo '#define CASCA_STUB_NONE 1'; fi; } > $@.tmp && mv $@.tmp $@
$(BUILD)/obj/runtime/sealed-exe.o: $(BUILD)/gen/runtime/stub/casca-stub.h

$(BUILD)/casca: $(CLI_OBJS) $(BUILD)/libcasca.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(CLI_OBJS) $(BUILD)/libcasca.a $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c tests/unit/tap.h $(BUILD)/libcasca.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) $(CPPFLAGS) -Itests/unit $(ALL_CFLAGS) $(NO_LTO) $(LDFLAGS) -o $@ $< $(BUILD)/libcasca.a $(LDLIBS)

$(BUILD)/tests/%: tests/tools/%.c $(BUILD)/libcasca.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(NO_LTO) $(LDFLAGS) -o $@ $< $(BUILD)/libcasca.a $(LDLIBS)

# casca with create's test-only kill points (runtime/create.c, built with
# -DCASCA_TEST_STEPS; CASCA_TEST_KILL_AT=STEP): tests/integration/
# lifecycle.bats kills the runtime at each step in turn.  Never installed.
STEPS_OBJ := $(BUILD)/obj-steps/runtime/create.o
$(STEPS_OBJ): runtime/create.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $< (test steps)")
	$(Q)$(CC) $(CPPFLAGS) -DCASCA_TEST_STEPS $(ALL_CFLAGS) -ffunction-sections -fdata-sections -c -o $@ $<

$(BUILD)/tests/casca-steps: $(CLI_OBJS) $(STEPS_OBJ) $(filter-out $(BUILD)/obj/runtime/create.o,$(LIB_OBJS))
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(NO_LTO) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# LD_PRELOAD shims for tests (tests/preload/): no sanitizers, as they load
# into the sanitized casca beside its runtime.
$(BUILD)/tests/%.so: tests/preload/%.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $@ (preload)")
	$(Q)$(STATIC_CC) -std=gnu11 -O2 -Wall -Wextra -Werror -fPIC -shared -o $@ $< -ldl

# Test programs copied into a container's rootfs: static, no sanitizers.
STATIC_TOOLS := $(BUILD)/tests/suid-probe $(BUILD)/tests/sys-probe $(BUILD)/tests/icmp-probe
$(STATIC_TOOLS): $(BUILD)/tests/%: tests/tools/%.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $@ (static)")
	$(Q)$(STATIC_CC) -std=gnu11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -static -o $@ $<

# `make install` (PREFIX, DESTDIR): the binary, libcasca (shared, with its
# soname links, and the static archive), casca.h, casca.pc, the man page
# casca(8) (doc/casca.8, mdoc) and bash completion; `make uninstall`
# removes exactly those.  tests/install/test-install.sh checks both.
BINDIR      ?= $(PREFIX)/bin
LIBDIR      ?= $(PREFIX)/lib
INCLUDEDIR  ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
MANDIR      ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions

INSTALLED := $(BINDIR)/casca $(LIBDIR)/libcasca.so.$(VERSION) $(LIBDIR)/$(SONAME) \
             $(LIBDIR)/libcasca.so $(LIBDIR)/libcasca.a $(INCLUDEDIR)/casca.h \
             $(PKGCONFIGDIR)/casca.pc $(MANDIR)/man8/casca.8 $(BASHCOMPDIR)/casca

install: $(BUILD)/casca lib
	install -D -m 0755 $(INSTALL_STRIP) $(BUILD)/casca $(DESTDIR)$(BINDIR)/casca
	install -D -m 0755 $(LIB_SO) $(DESTDIR)$(LIBDIR)/libcasca.so.$(VERSION)
	ln -sf libcasca.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libcasca.so
	install -D -m 0644 $(BUILD)/libcasca.a $(DESTDIR)$(LIBDIR)/libcasca.a
	install -D -m 0644 include/casca.h $(DESTDIR)$(INCLUDEDIR)/casca.h
	mkdir -p $(DESTDIR)$(PKGCONFIGDIR) && $(PC_SED) casca.pc.in > $(DESTDIR)$(PKGCONFIGDIR)/casca.pc
	install -D -m 0644 doc/casca.8 $(DESTDIR)$(MANDIR)/man8/casca.8
	install -D -m 0644 completions/casca.bash $(DESTDIR)$(BASHCOMPDIR)/casca

uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))

.PHONY: deps-demo deps-lint lint lint-layers lint-format lint-analyze

# $(call install_missing,PACKAGES): install those of PACKAGES that are not
# (dpkg-query is cheap; apt-get update is not).
define install_missing
@missing=$$(for p in $(1); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null \
    | grep -q '^install ok installed' || echo $$p; done); \
if [ -n "$$missing" ]; then \
    echo "installing:" $$missing; \
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        --no-install-recommends $$missing; \
fi
endef

deps:
	$(call install_missing,$(sort $(DEB_ALL)))

deps-demo:
	$(call install_missing,$(sort $(DEB_BUILD) $(DEB_DEMO)))

deps-lint:
	$(call install_missing,$(sort $(DEB_LINT)))

deps-bench: deps
	$(call install_missing,$(DEB_BENCH))

demo: deps-demo
	$(MAKE) all
	tests/demo.sh $(BUILD)/casca

# The static checks (tests/lint.sh): banned calls, shellcheck, and the
# lint-layers, lint-format and lint-analyze targets.  `make check` runs them
# as its first lane.
lint: deps-lint
	tests/lint.sh

# Includes point one way: cli -> runtime -> cgroup/netns/seccomp -> util
# (tests/lint-layers.sh; tests/integration/lint-layers.bats is its test).
lint-layers:
	tests/lint-layers.sh

# clang's static analyzer over the library and the CLI, ANALYZE_JOBS files at
# a time (tests/lint-analyze.sh: every warning fails it, except leaks of
# _cleanup_ variables, which the analyzer does not model; ANALYZE_ARGS=-v
# lists those).
ANALYZE_JOBS ?= 2
lint-analyze: $(BUILD)/gen/runtime/stub/casca-stub.h
	@ANALYZE_JOBS=$(ANALYZE_JOBS) ANALYZE_FLAGS="$(CPPFLAGS) -std=gnu11 $(PKG_CFLAGS)" \
	    tests/lint-analyze.sh $(ANALYZE_ARGS) $(LIB_SRCS) $(CLI_SRCS)

check: deps
	$(MAKE) all tests rootfs-system
	tests/run-checks.sh

tests: $(BUILD)/casca $(BUILD)/tests/casca-steps $(UNIT_BINS) $(TOOL_BINS) $(BUILD)/tests/test-install \
       $(BUILD)/tests/seal-busy.so $(BUILD)/tests/seccomp-no-parts.so $(BUILD)/tests/mount-swap.so

check-unit: tests
	tests/run-checks.sh unit

check-schema: tests
	tests/run-checks.sh schema

check-host: tests
	tests/run-checks.sh host

check-vm: tests rootfs-system
	tests/run-checks.sh vm

# ---- the aarch64 lane --------------------------------------------------------
# The exec stub built for aarch64 (STUB_CC=aarch64-linux-gnu-gcc into
# build/aarch64) and run, both modes, by tests/unit/test-exec-stub-arch.c as /init of
# a qemu-system-aarch64 guest booting Debian's arm64 kernel (tests/aarch64/run.sh).
.PHONY: check-aarch64
check-aarch64:
	tests/run-checks.sh aarch64

# The VM lane's systemd mode: a guest whose pid 1 is systemd runs
# tests/vm/systemd-smoke.sh (tests/vm/README.md).
check-vm-systemd:
	tests/run-checks.sh vm-systemd

# The Debian 12 system-container rootfs (tools/mkrootfs-debian), built once
# into $CASCA_ROOTFS_CACHE (default /var/cache/casca/rootfs); prints its path.
rootfs-debian: deps
	@tools/mkrootfs-debian

# What tests/integration/system-boot.bats (VM lane) boots: the tree and its
# copy shifted to 100000 for a user namespace, built once per machine.
rootfs-system: deps
	@tools/mkrootfs-debian > /dev/null && tools/mkrootfs-debian --shift 100000 > /dev/null

# A writable copy of that rootfs in the VM lane's guest, plain and shifted
# for a user namespace (tests/vm/rootfs-smoke.sh; SMOKE_BOOT=1 also boots it
# with podman).  Not part of `make check`.
check-rootfs-debian: deps
	tests/vm/run-in-vm.sh -e SMOKE_BOOT -- tests/vm/rootfs-smoke.sh \
	    "$$(tools/mkrootfs-debian)" "$$(tools/mkrootfs-debian --shift 100000)"

# libFuzzer targets (tests/fuzz/fuzz-*.c) over the whole library, with ASan
# and UBSan (any UB aborts).  `make fuzz` runs each for FUZZ_SECONDS on a
# working copy of its seed corpus (tests/fuzz/run.sh); fuzz-smoke briefly.
# The library is compiled once for them, instrumented for libFuzzer without
# its main (fuzzer-no-link), into $(BUILD)/fuzz/libcasca-fuzz.a, which each
# target links, instead of each target compiling all of it (2.2 times as
# long to build the three: 88.6 s against 40.2 s here).
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS  := -std=gnu11 -g -O1 -fsanitize=address,undefined \
                -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_BINS    := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(wildcard tests/fuzz/fuzz-*.c))
FUZZ_OBJS    := $(LIB_SRCS:%.c=$(BUILD)/fuzz/obj/%.o)

$(BUILD)/fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  FUZZCC  $<")
	$(Q)$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(PKG_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/fuzz/obj/runtime/sealed-exe.o: $(BUILD)/gen/runtime/stub/casca-stub.h

$(BUILD)/fuzz/libcasca-fuzz.a: $(FUZZ_OBJS)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/fuzz/fuzz-%: tests/fuzz/fuzz-%.c $(BUILD)/fuzz/libcasca-fuzz.a $(LIB_HDRS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  FUZZ    $@")
	$(Q)$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer $(PKG_CFLAGS) -o $@ $< \
	    $(BUILD)/fuzz/libcasca-fuzz.a $(PKG_LIBS)

fuzz-build: $(FUZZ_BINS)

fuzz: fuzz-build
	tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_BINS)

fuzz-smoke: fuzz-build
	tests/fuzz/run.sh 5 $(FUZZ_BINS)

check-fuzz: tests
	tests/run-checks.sh fuzz

# The unit and host lanes against an ASan+UBSan build in build-asan/ (the
# `asan` lane of tests/run-checks.sh builds it with asan-build).
ASAN_BUILD  ?= build-asan
ASAN_CFLAGS := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=undefined \
               -fno-omit-frame-pointer

asan-build:
	$(MAKE) BUILD=$(ASAN_BUILD) CC=clang CFLAGS="$(ASAN_CFLAGS)" all tests

check-asan: deps
	tests/run-checks.sh asan

# The fault-injection soak (tests/soak/soak.sh, issue 15) in a VM lane guest
# (pure cgroup v2).  SOAK_CYCLES, SOAK_PAR, SOAK_SEED, SOAK_LOAD, SOAK_EVENTS
# as in the script's header; SOAK_VM_TIMEOUT bounds the guest (seconds).
# `make check` runs a short version (tests/integration/soak.bats).  Not part
# of `make check`.
SOAK_CYCLES ?= 300
SOAK_PAR ?= 2
SOAK_LOAD ?= 200
SOAK_EVENTS ?= 30
SOAK_VM_TIMEOUT ?= 3600
soak: all tests
	SOAK_CYCLES=$(SOAK_CYCLES) SOAK_PAR=$(SOAK_PAR) SOAK_SEED=$(SOAK_SEED) SOAK_LOAD=$(SOAK_LOAD) \
	SOAK_EVENTS=$(SOAK_EVENTS) tests/vm/run-in-vm.sh -t $(SOAK_VM_TIMEOUT) -e SOAK_CYCLES -e SOAK_PAR \
	  -e SOAK_SEED -e SOAK_LOAD -e SOAK_EVENTS -- tests/soak/soak.sh

bench: deps-bench
	$(MAKE) all
	bench/run.sh
	bench/podman.sh
	bench/sandbox.sh
	bench/networks.sh
	bench/scale.sh
	bench/system-boot.sh

# Every tracked C file and header, as .clang-format says: `make format`
# rewrites them, `make lint-format` (the format check of make lint) fails on
# any drift and shows it.
FORMAT_SRCS = $(shell git ls-files '*.c' '*.h' 2>/dev/null)

format:
	clang-format -i $(FORMAT_SRCS)

lint-format:
	@clang-format --dry-run --Werror $(FORMAT_SRCS)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)

-include $(LIB_OBJS:.o=.d) $(CLI_OBJS:.o=.d) $(STEPS_OBJ:.o=.d) $(FUZZ_OBJS:.o=.d)
