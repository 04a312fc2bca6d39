# ukata: top-level, non-recursive Makefile.
#
#   make [-j2]            build $(O)/kata-runtime (static, musl)
#   make menuconfig       configure (also: defconfig, NAME_defconfig, allnoconfig,
#                         allyesconfig, olddefconfig, savedefconfig)
#   make check            build and run every test
#   make check-asan       unit tests built with gcc, ASan and UBSan
#   make size             stripped size, largest objects and symbols
#   make size-report      every configuration's size against the goals
#                         (OLD=A NEW=B: compare two builds symbol by symbol)
#   make size-costs       what each option costs (UPDATE=1: into Kconfig)
#   make install          PREFIX=/usr/local DESTDIR=
#   make deps             install build and test dependencies (apt-get)
#   make guest            the guest image: $(O)/guest/vmlinux and initrd.img
#                         (its agent built from configs/guest_defconfig)
#   make V=1              show commands
#
# Each room under src/ has a Makefile fragment that adds objects to obj-y
# (paths relative to src/), usually as obj-$(CONFIG_X) += room/file.o.

O        ?= build
V        ?= 0
PREFIX   ?= /usr/local
DESTDIR  ?=
WERROR   ?= 1

ifeq ($(V),1)
Q :=
else
Q := @
endif

ifeq ($(origin CC),default)
CC := musl-gcc
endif
STRIP    ?= strip
NM       ?= nm

VERSION  := 0.1.0
OCI_SPEC := 1.0.2
COMMIT   := $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)

KCONFIG       := Kconfig
KCONFIG_FILES := Kconfig $(wildcard src/*/Kconfig src/*/*/Kconfig)
# KCONFIG_CONFIG=FILE (environment or command line) keeps another
# configuration, for building several side by side (O=DIR).
DOTCONFIG     := $(or $(KCONFIG_CONFIG),.config)
export KCONFIG_CONFIG := $(DOTCONFIG)

all:

config-targets := menuconfig nconfig defconfig %_defconfig allnoconfig allyesconfig \
	olddefconfig oldconfig savedefconfig deps clean distclean help size-report size-costs
config-only := $(if $(MAKECMDGOALS),$(if $(filter-out $(config-targets),$(MAKECMDGOALS)),,y),)

# The configuration as make reads it: the .config completed with the
# defaults of every option (a .config copied or edited by hand may lack new
# ones). When it is out of date make remakes it and starts over, so the
# object lists always see the whole configuration.
CONFIG_MK := $(O)/include/config.mk
ifneq ($(config-only),y)
-include $(CONFIG_MK)
endif

# ---------------------------------------------------------------- configuration

$(DOTCONFIG): $(KCONFIG_FILES)
	$(Q)if [ -f $@ ]; then kconfig-conf -s --olddefconfig $(KCONFIG); \
	else echo "  CONFIG  configs/defconfig"; kconfig-conf -s --defconfig=configs/defconfig $(KCONFIG); fi
	$(Q)touch $@

$(CONFIG_MK): $(DOTCONFIG) $(KCONFIG_FILES)
	$(Q)mkdir -p $(@D)
	$(Q)kconfig-conf -s --olddefconfig $(KCONFIG)
	$(Q)grep '^CONFIG_' $(DOTCONFIG) > $@.tmp; mv $@.tmp $@

menuconfig:
	kconfig-mconf $(KCONFIG)
nconfig:
	kconfig-nconf $(KCONFIG)
oldconfig:
	kconfig-conf --oldconfig $(KCONFIG)
olddefconfig allnoconfig allyesconfig:
	$(Q)kconfig-conf -s --$@ $(KCONFIG)
defconfig:
	$(Q)kconfig-conf -s --defconfig=configs/defconfig $(KCONFIG)
%_defconfig: configs/%_defconfig
	$(Q)kconfig-conf -s --defconfig=$< $(KCONFIG)
savedefconfig: $(DOTCONFIG)
	$(Q)kconfig-conf --savedefconfig=defconfig $(KCONFIG)
	@echo "  wrote defconfig"

# ---------------------------------------------------------------- sources

obj-y :=
include $(sort $(wildcard src/*/Makefile))

GEN       := $(O)/include/generated
AUTOCONF  := $(GEN)/autoconf.h
VERSION_H := $(GEN)/version.h
DEPINC    := $(O)/include/deps

# Protocol buffers: proto/*.proto compiled by nanopb into $(O)/gen/proto.
PROTOS    := $(wildcard proto/*.proto) $(wildcard proto/google/protobuf/*.proto)
PROTO_GEN := $(O)/gen/proto
PROTO_C   := $(patsubst proto/%.proto,$(PROTO_GEN)/%.pb.c,$(PROTOS))
PROTO_OBJS:= $(patsubst $(PROTO_GEN)/%.c,$(O)/obj/proto/%.o,$(PROTO_C))

LIB_OBJS  := $(addprefix $(O)/obj/,$(sort $(obj-y))) $(PROTO_OBJS)
MAIN_OBJ  := $(O)/obj/main.o
LIBUKATA  := $(O)/libukata.a
BIN       := $(O)/kata-runtime

MULTIARCH := $(shell gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
LIBDIR    := /usr/lib/$(MULTIARCH)
DEP_LIBS  := $(LIBDIR)/libprotobuf-nanopb.a $(LIBDIR)/libinih.a \
	$(LIBDIR)/libmbedtls.a $(LIBDIR)/libmbedx509.a $(LIBDIR)/libmbedcrypto.a

# The dependencies refer back to libukata (the fortify shims): link as a group.
LINK_LIBS := -Wl,--start-group $(LIBUKATA) $(DEP_LIBS) -Wl,--end-group

OPTFLAGS := $(if $(CONFIG_OPTIMIZE_SIZE),-Os,-O2) $(if $(CONFIG_LTO),-flto=2 -ffat-lto-objects,)
CFLAGS   ?= $(OPTFLAGS) $(if $(CONFIG_DEBUG_INFO),-g,)
CFLAGS   += -std=gnu11 -Wall -Wextra -Wno-unused-parameter -Wshadow \
	-Wmissing-prototypes -Wstrict-prototypes $(if $(filter 1,$(WERROR)),-Werror,) \
	-ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables
# Debian's libprotobuf-nanopb is built with PB_ENABLE_MALLOC: match it.
CPPFLAGS += -D_GNU_SOURCE -DPB_ENABLE_MALLOC -Isrc -I$(GEN) -I$(O)/gen/proto -I$(DEPINC) -MMD -MP
comma    := ,
LDFLAGS  ?= -static -Wl$(comma)--gc-sections $(if $(CONFIG_OPTIMIZE_SIZE),-Wl$(comma)-O1,)
EXTRA_CFLAGS ?=
CFLAGS   += $(EXTRA_CFLAGS)

all: $(BIN)

# A .config edited or copied by hand is completed with defaults first.
$(AUTOCONF): $(DOTCONFIG) $(KCONFIG_FILES) scripts/gen-config-h.sh
	$(Q)kconfig-conf -s --olddefconfig $(KCONFIG)
	$(Q)sh scripts/gen-config-h.sh $(DOTCONFIG) $@ $(KCONFIG_FILES)

# Rewritten only when the version or commit changes.
$(VERSION_H): FORCE
	$(Q)mkdir -p $(@D); printf '%s\n' '#define UKATA_VERSION "$(VERSION)"' \
	  '#define UKATA_COMMIT "$(COMMIT)"' '#define UKATA_OCI_SPEC "$(OCI_SPEC)"' \
	  '#define UKATA_VERSION_MAJOR $(word 1,$(subst ., ,$(VERSION)))' \
	  '#define UKATA_VERSION_MINOR $(word 2,$(subst ., ,$(VERSION)))' \
	  '#define UKATA_VERSION_PATCH $(word 3,$(subst ., ,$(VERSION)))' \
	  > $@.tmp; \
	  if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi

# Objects depend on the compiler and flags: a configuration that changes
# them (-Os, -g) rebuilds everything. Rewritten only when they change.
FLAGS_STAMP := $(GEN)/cflags
$(FLAGS_STAMP): FORCE
	$(Q)mkdir -p $(@D); echo '$(CC) $(CPPFLAGS) $(CFLAGS)' > $@.tmp; \
	  if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi

# Only the dependency headers are staged: musl-gcc cannot see glibc's /usr/include.
$(DEPINC)/.stamp:
	$(Q)mkdir -p $(DEPINC)
	$(Q)cp /usr/include/pb.h /usr/include/pb_common.h /usr/include/pb_encode.h \
	  /usr/include/pb_decode.h /usr/include/ini.h /usr/include/jsmn.h $(DEPINC)/
	$(Q)cp -r /usr/include/mbedtls /usr/include/psa $(DEPINC)/
	$(Q)touch $@

$(O)/obj/%.o: src/%.c $(FLAGS_STAMP) | $(AUTOCONF) $(VERSION_H) $(DEPINC)/.stamp $(PROTO_GEN)/.stamp
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<",true)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(PROTO_GEN)/.stamp: $(PROTOS) proto/ukata.options
	@mkdir -p $(@D)
	@$(if $(Q),echo "  NANOPB  proto/*.proto",true)
	$(Q)cd proto && protoc -I. --plugin=protoc-gen-nanopb=/usr/bin/protoc-gen-nanopb \
	  --nanopb_opt=-f --nanopb_opt=ukata.options --nanopb_out=$(abspath $(PROTO_GEN)) \
	  $(patsubst proto/%,%,$(PROTOS))
	$(Q)touch $@

# A recipe (even a no-op) makes make look at the regenerated files' times.
$(PROTO_C) $(PROTO_C:.c=.h): $(PROTO_GEN)/.stamp
	@true

$(O)/obj/proto/%.o: $(PROTO_GEN)/%.c $(FLAGS_STAMP) | $(DEPINC)/.stamp
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<",true)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -Wno-missing-prototypes -c -o $@ $<

$(LIBUKATA): $(LIB_OBJS)
	@$(if $(Q),echo "  AR      $@",true)
	$(Q)rm -f $@; ar rcs $@ $^

$(BIN): $(MAIN_OBJ) $(LIBUKATA)
	@$(if $(Q),echo "  LD      $@",true)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(MAIN_OBJ) $(LINK_LIBS)
	$(Q)ln -sf kata-runtime $(O)/kata-agent

-include $(LIB_OBJS:.o=.d) $(MAIN_OBJ:.o=.d)

# ---------------------------------------------------------------- tests

include tests/Makefile
include bench/Makefile

# ---------------------------------------------------------------- size, install

size: $(BIN)
	@sh scripts/size.sh $(BIN) $(O)

# Every file in configs/, allnoconfig and allyesconfig, in $(O)/cfg/NAME:
# a table of stripped sizes against the goals. With OLD= and NEW= (binaries
# or build directories): the two compared symbol by symbol.
size-report:
	@sh scripts/size-report.sh $(if $(OLD)$(NEW),--compare $(OLD) $(NEW),$(O))

# What each option costs, built alone on allnoconfig ($(O)/feat/NAME);
# UPDATE=1 writes the figures into the Kconfig prompts.
size-costs:
	@sh scripts/size-costs.sh $(if $(UPDATE),--update,) $(O)

install: $(BIN)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)/usr/share/defaults/kata-containers
	install -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/kata-runtime
	$(if $(CONFIG_SHIM_V2),ln -sf kata-runtime $(DESTDIR)$(PREFIX)/bin/containerd-shim-kata-v2)
	$(if $(CONFIG_KATA_MONITOR),ln -sf kata-runtime $(DESTDIR)$(PREFIX)/bin/kata-monitor)
	ln -sf kata-runtime $(DESTDIR)$(PREFIX)/bin/kata-agent
	install -m 0644 configs/configuration.toml \
	  $(DESTDIR)/usr/share/defaults/kata-containers/configuration.toml
	install -d $(DESTDIR)/lib/systemd/system
	sed 's|/usr/local/bin/|$(PREFIX)/bin/|' configs/kata-vmcache.service \
	  > $(DESTDIR)/lib/systemd/system/kata-vmcache.service
	@# the guest image (make guest), where the shipped configuration looks
	if [ -f $(O)/guest/initrd.img ]; then \
	  install -d $(DESTDIR)/usr/share/kata-containers && \
	  install -m 0644 $(O)/guest/vmlinux $(DESTDIR)/usr/share/kata-containers/vmlinuz.container && \
	  install -m 0644 $(O)/guest/initrd.img \
	    $(DESTDIR)/usr/share/kata-containers/kata-containers-initrd.img; fi

deps:
	@sh scripts/deps.sh

# The guest image: Debian's kernel and an initrd whose agent is the
# guest_defconfig binary (the applet only), built in $(O)/guest-agent.
GUEST_O := $(O)/guest-agent
$(GUEST_O)/.config: configs/guest_defconfig $(KCONFIG_FILES)
	$(Q)mkdir -p $(@D)
	$(Q)$(MAKE) --no-print-directory O=$(GUEST_O) KCONFIG_CONFIG=$@ guest_defconfig

guest-agent: $(GUEST_O)/.config
	$(Q)$(MAKE) --no-print-directory O=$(GUEST_O) KCONFIG_CONFIG=$(GUEST_O)/.config all

guest: guest-agent
	@sh scripts/guest-image.sh $(GUEST_O)/kata-runtime $(O)/guest

clean:
	rm -rf $(O)

distclean: clean
	rm -f $(DOTCONFIG) $(DOTCONFIG).old defconfig

help:
	@sed -n '2,17p' Makefile | sed 's/^# \{0,1\}//'

FORCE:
.PHONY: all menuconfig nconfig oldconfig olddefconfig allnoconfig allyesconfig defconfig \
	savedefconfig size size-report size-costs install deps guest guest-agent clean distclean help FORCE
.DELETE_ON_ERROR:
