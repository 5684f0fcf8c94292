# install.mk: `make install`, `make uninstall` and `make man` (included by
# the Makefile).
#
#   make install [PREFIX=/usr/local] [DESTDIR=] [UDEVDIR=/usr/lib/udev]
#                [SYSTEMDUNITDIR=/usr/lib/systemd/system] [SYSCONFDIR=/etc]
#                [INITRAMFSTOOLSDIR=/usr/share/initramfs-tools]
#                [DRACUTMODDIR=/usr/lib/dracut/modules.d]
#                [ANSIBLECOLLDIR=$(PREFIX)/share/ansible/collections]
#
# udev rules, systemd units, the initramfs-tools hook and scripts and the
# dracut module live outside PREFIX by convention (udev, systemd,
# mkinitramfs and dracut only look in their own directories), so they have
# their own variables.  The hook and the module find vmapctl on PATH or in
# /usr/local/sbin, /usr/sbin, /sbin.  What is installed is found by wildcard (udev/*.rules, udev
# helpers, systemd/*.service|timer|path|target), so a new unit or rule needs no
# change here.  The man pages are the committed roff (man/mkman makes them
# with pandoc): install needs no pandoc.  INSTALL_BIN picks the binary to
# install (default: this build's, built first if needed), INSTALL_UDEV_HELPER
# the udev rule's helper (a program too: cmd/udev).
#
# The Ansible collection (ansible_collections/vmapctl/dm: its modules,
# plugins, galaxy.yml and README; not its tests) goes under ANSIBLECOLLDIR,
# as `ansible-galaxy collection install -p` would lay it out; with
# PREFIX=/usr that is on Ansible's default collections path.  A controller
# that does not run `make install` builds it instead (`ansible-galaxy
# collection build ansible_collections/vmapctl/dm`).
#
# test/bats/install.bats installs into a temporary DESTDIR, checks the exact
# layout, uninstalls and checks that only directories are left.

SBINDIR        ?= $(PREFIX)/sbin
DATADIR        ?= $(PREFIX)/share
MANDIR         ?= $(DATADIR)/man
DOCDIR         ?= $(DATADIR)/doc/vmapctl
BASHCOMPDIR    ?= $(DATADIR)/bash-completion/completions
ZSHCOMPDIR     ?= $(DATADIR)/zsh/vendor-completions
FISHCOMPDIR    ?= $(DATADIR)/fish/vendor_completions.d
UDEVDIR        ?= /usr/lib/udev
SYSTEMDUNITDIR ?= /usr/lib/systemd/system
SYSCONFDIR     ?= /etc
INITRAMFSTOOLSDIR ?= /usr/share/initramfs-tools
DRACUTMODDIR   ?= /usr/lib/dracut/modules.d
ANSIBLECOLLDIR ?= $(DATADIR)/ansible/collections
INSTALL        ?= install
INSTALL_BIN    ?= $(BIN)
INSTALL_UDEV_HELPER ?= $(UDEV_HELPER)

UDEV_RULES     := $(wildcard udev/*.rules)
SYSTEMD_UNITS  := $(wildcard systemd/*.service systemd/*.timer systemd/*.path systemd/*.target)
EXAMPLE_FILES  := $(wildcard examples/*.yaml) $(wildcard examples/README.md)
ANSIBLE_FILES  := $(wildcard examples/ansible/*)
# initramfs/: one shell library (initramfs/vmapctl-lib.sh) installed for
# both tools, the rest by where it goes
IT             := initramfs/initramfs-tools
DRACUT_SCRIPTS := $(wildcard initramfs/dracut/90vmapctl/*.sh)
DRACUT_RULES   := $(wildcard initramfs/dracut/90vmapctl/*.rules)
COLL_SRC       := ansible_collections/vmapctl/dm
COLL_DIR       := $(ANSIBLECOLLDIR)/ansible_collections/vmapctl/dm
COLL_PLUGINS   := action modules module_utils

# $(call inst,MODE,DIR,FILES): install FILES into $(DESTDIR)DIR
inst = $(if $(strip $(3)),$(INSTALL) -d $(DESTDIR)$(2) && $(INSTALL) -m $(1) $(3) $(DESTDIR)$(2)/)
# a newline, so that a $(foreach) makes one recipe line per item
define nl


endef
# $(call uninst,DIR,FILES): remove what inst put there
uninst = $(if $(strip $(2)),rm -f $(addprefix $(DESTDIR)$(1)/,$(notdir $(2))))

.PHONY: man

install: $(INSTALL_BIN) $(INSTALL_UDEV_HELPER)
	$(INSTALL) -d $(DESTDIR)$(SBINDIR)
	$(INSTALL) -m 0755 $(INSTALL_BIN) $(DESTDIR)$(SBINDIR)/vmapctl
	$(call inst,0644,$(MANDIR)/man8,man/vmapctl.8)
	$(call inst,0644,$(MANDIR)/man5,man/vmapctl.yaml.5)
	$(INSTALL) -d $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR) $(DESTDIR)$(FISHCOMPDIR)
	$(INSTALL) -m 0644 completions/vmapctl.bash $(DESTDIR)$(BASHCOMPDIR)/vmapctl
	$(INSTALL) -m 0644 completions/_vmapctl $(DESTDIR)$(ZSHCOMPDIR)/_vmapctl
	$(INSTALL) -m 0644 completions/vmapctl.fish $(DESTDIR)$(FISHCOMPDIR)/vmapctl.fish
	$(call inst,0644,$(UDEVDIR)/rules.d,$(UDEV_RULES))
	$(INSTALL) -m 0755 $(INSTALL_UDEV_HELPER) $(DESTDIR)$(UDEVDIR)/vmapctl-udev-activate
	$(call inst,0644,$(SYSTEMDUNITDIR),$(SYSTEMD_UNITS))
	$(call inst,0755,$(INITRAMFSTOOLSDIR)/hooks,$(IT)/hooks/vmapctl)
	$(call inst,0755,$(INITRAMFSTOOLSDIR)/scripts/local-top,$(IT)/scripts/local-top/vmapctl)
	$(call inst,0755,$(INITRAMFSTOOLSDIR)/scripts/local-block,$(IT)/scripts/local-block/vmapctl)
	$(call inst,0644,$(INITRAMFSTOOLSDIR)/conf.d,$(IT)/conf.d/vmapctl)
	$(INSTALL) -d $(DESTDIR)$(INITRAMFSTOOLSDIR)/scripts
	$(INSTALL) -m 0644 initramfs/vmapctl-lib.sh $(DESTDIR)$(INITRAMFSTOOLSDIR)/scripts/vmapctl-functions
	$(call inst,0755,$(DRACUTMODDIR)/90vmapctl,$(DRACUT_SCRIPTS))
	$(call inst,0644,$(DRACUTMODDIR)/90vmapctl,$(DRACUT_RULES) initramfs/vmapctl-lib.sh)
	$(call inst,0644,$(DOCDIR)/examples,$(EXAMPLE_FILES))
	$(call inst,0644,$(DOCDIR)/examples/ansible,$(ANSIBLE_FILES))
	$(call inst,0644,$(COLL_DIR),$(COLL_SRC)/galaxy.yml $(COLL_SRC)/README.md)
	$(call inst,0644,$(COLL_DIR)/meta,$(COLL_SRC)/meta/runtime.yml)
	$(foreach d,$(COLL_PLUGINS),$(call inst,0644,$(COLL_DIR)/plugins/$(d),$(wildcard $(COLL_SRC)/plugins/$(d)/*.py))$(nl))
	@# the spec directory: made when missing, never touched when there
	[ -d $(DESTDIR)$(SYSCONFDIR)/vmapctl/volumes.d ] || \
		$(INSTALL) -d -m 0755 $(DESTDIR)$(SYSCONFDIR)/vmapctl/volumes.d

# Removes what install put there; directories stay (they may be shared),
# and so does /etc/vmapctl with whatever specs it holds.
uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/vmapctl
	rm -f $(DESTDIR)$(MANDIR)/man8/vmapctl.8 $(DESTDIR)$(MANDIR)/man5/vmapctl.yaml.5
	rm -f $(DESTDIR)$(BASHCOMPDIR)/vmapctl $(DESTDIR)$(ZSHCOMPDIR)/_vmapctl \
		$(DESTDIR)$(FISHCOMPDIR)/vmapctl.fish
	$(call uninst,$(UDEVDIR)/rules.d,$(UDEV_RULES))
	rm -f $(DESTDIR)$(UDEVDIR)/vmapctl-udev-activate
	$(call uninst,$(SYSTEMDUNITDIR),$(SYSTEMD_UNITS))
	rm -f $(DESTDIR)$(INITRAMFSTOOLSDIR)/hooks/vmapctl \
		$(DESTDIR)$(INITRAMFSTOOLSDIR)/scripts/local-top/vmapctl \
		$(DESTDIR)$(INITRAMFSTOOLSDIR)/scripts/local-block/vmapctl \
		$(DESTDIR)$(INITRAMFSTOOLSDIR)/scripts/vmapctl-functions \
		$(DESTDIR)$(INITRAMFSTOOLSDIR)/conf.d/vmapctl
	$(call uninst,$(DRACUTMODDIR)/90vmapctl,$(DRACUT_SCRIPTS) $(DRACUT_RULES) initramfs/vmapctl-lib.sh)
	$(call uninst,$(DOCDIR)/examples,$(EXAMPLE_FILES))
	$(call uninst,$(DOCDIR)/examples/ansible,$(ANSIBLE_FILES))
	$(call uninst,$(COLL_DIR),galaxy.yml README.md)
	$(call uninst,$(COLL_DIR)/meta,runtime.yml)
	$(foreach d,$(COLL_PLUGINS),$(call uninst,$(COLL_DIR)/plugins/$(d),$(wildcard $(COLL_SRC)/plugins/$(d)/*.py))$(nl))

# Regenerate the roff man pages from man/*.md (pandoc, from Debian's
# pandoc package: scripts/deps docs) and the field tables.
man: all
	@scripts/deps docs
	VMAPCTL_TOOLS=$(CURDIR)/$(BUILD)/tools man/mkman man
