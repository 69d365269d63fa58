# Ringvisor build.  `make` builds everything into build/; `make run` and
# `make test` install what they need first (tools/install-deps).
#
# Three worlds, three sets of flags:
#   hypervisor (hv/)  freestanding, no SSE, no red zone, linked at 32 MiB
#   guests (guest/)   freestanding, no SSE, linked at 64 KiB (guest-physical)
#   loader (boot/)    a GNU-EFI application (PE32+)
#   host tests        ordinary hosted C, with cmocka

B := build
CC ?= gcc
NASM ?= nasm
LD := ld
OBJCOPY := objcopy

WARN := -Wall -Wextra -Werror -Wno-unused-parameter -Wstrict-prototypes -Wmissing-prototypes
FREESTANDING := -std=gnu11 -O2 -g -ffreestanding -fno-stack-protector -fno-pic -fno-pie \
	-mno-red-zone -mgeneral-regs-only -mno-mmx -mno-sse -mno-sse2 -fno-builtin \
	-fno-omit-frame-pointer -fno-strict-aliasing -fcf-protection=none -fno-asynchronous-unwind-tables
# Generated headers (build/gen/) are the one thing every world may include.
GEN := $(B)/gen
GEN_H := $(GEN)/rv_exit_reasons.h
HV_CFLAGS := $(FREESTANDING) $(WARN) -Ihv -I$(GEN) -DRV_ASSERTS=$(if $(NDEBUG),0,1)
GUEST_CFLAGS := $(FREESTANDING) $(WARN) -Ihv/abi -I$(GEN) -Iguest/lib
EFI_CFLAGS := -std=gnu11 -O2 -fpic -fshort-wchar -ffreestanding -fno-stack-protector -mno-red-zone \
	-fno-strict-aliasing -maccumulate-outgoing-args -DEFI_FUNCTION_WRAPPER \
	-I/usr/include/efi -I/usr/include/efi/x86_64 $(WARN) -Wno-missing-prototypes -Wno-strict-prototypes -Wno-pointer-sign
HOST_CFLAGS := -std=gnu11 -O1 -g $(WARN) -Ihv -I$(GEN) -Iboot -DRV_HOST_TEST -DRV_ASSERTS=1

# hv/ in layers, lowest first (docs/01-architecture.md; tools/check-layers).
HV_LAYERS := lib platform ept vmx dirtyring partition exits
HV_C := $(foreach d,$(HV_LAYERS),$(wildcard hv/$(d)/*.c)) hv/main.c
HV_ASM := $(foreach d,$(HV_LAYERS),$(wildcard hv/$(d)/*.asm))
HV_OBJ := $(patsubst %.c,$(B)/%.o,$(HV_C)) $(patsubst %.asm,$(B)/%.asm.o,$(HV_ASM))

GLIB_C := $(wildcard guest/lib/*.c)
GLIB_ASM := $(wildcard guest/lib/*.asm)
GLIB_OBJ := $(patsubst %.c,$(B)/%.o,$(GLIB_C)) $(patsubst %.asm,$(B)/%.asm.o,$(GLIB_ASM))
MGMT_OBJ := $(patsubst %.c,$(B)/%.o,$(wildcard guest/mgmt/*.c))
WORK_OBJ := $(patsubst %.c,$(B)/%.o,$(wildcard guest/work/*.c))

BOOT_C := $(wildcard boot/*.c)
BOOT_OBJ := $(patsubst %.c,$(B)/%.efi.o,$(BOOT_C))

DISK := $(B)/disk.img

.PHONY: all run test unit-tests check-sanitize fuzz fuzz-short fuzz-build debug clean \
	compile_commands.json format deps perf plots check-layers check-docs
all: $(DISK) $(B)/scenarios.txt $(B)/exit_reasons.txt

deps:
	@tools/install-deps

# ---- generated from the one exit-reason table -----------------------------
$(GEN)/rv_exit_reasons.h: hv/vmx/exit_reasons.def tools/gen-exit-reasons
	@mkdir -p $(dir $@)
	tools/gen-exit-reasons --header $< > $@.tmp && mv $@.tmp $@
# Exit-reason names for tools/hvtrace.
$(B)/exit_reasons.txt: hv/vmx/exit_reasons.def tools/gen-exit-reasons
	@mkdir -p $(B)
	tools/gen-exit-reasons --names $< > $@.tmp && mv $@.tmp $@

# ---- hypervisor ---------------------------------------------------------
$(B)/hv/%.o: hv/%.c | $(GEN_H)
	@mkdir -p $(dir $@)
	@echo '  CC      $<'
	@$(CC) $(HV_CFLAGS) -MMD -c $< -o $@
$(B)/hv/%.asm.o: hv/%.asm
	@mkdir -p $(dir $@)
	@echo '  NASM    $<'
	@$(NASM) -f elf64 -g -o $@ $<
$(B)/hv.elf: $(HV_OBJ) hv/hv.ld
	@echo '  LD      $@'
	@$(LD) -nostdlib -z max-page-size=4096 --no-warn-rwx-segments -T hv/hv.ld -o $@ $(HV_OBJ)
$(B)/hv.bin: $(B)/hv.elf
	$(OBJCOPY) -O binary $< $@

# ---- guests -------------------------------------------------------------
$(B)/guest/%.o: guest/%.c | $(GEN_H)
	@mkdir -p $(dir $@)
	@echo '  CC      $<'
	@$(CC) $(GUEST_CFLAGS) -MMD -c $< -o $@
$(B)/guest/%.asm.o: guest/%.asm
	@mkdir -p $(dir $@)
	@echo '  NASM    $<'
	@$(NASM) -f elf64 -g -o $@ $<
$(B)/guest/mgmt/scenarios.o: $(B)/scenarios.h
$(B)/scenarios.h: guest/mgmt/scenarios.txt tools/gen-scenarios
	@mkdir -p $(B)
	tools/gen-scenarios $< > $@
$(B)/scenarios.txt: guest/mgmt/scenarios.txt
	@mkdir -p $(B)
	cp $< $@
$(B)/mgmt.elf: $(GLIB_OBJ) $(MGMT_OBJ) guest/lib/guest.ld
	@echo '  LD      $@'
	@$(LD) -nostdlib -z max-page-size=4096 --no-warn-rwx-segments -T guest/lib/guest.ld -o $@ $(GLIB_OBJ) $(MGMT_OBJ)
$(B)/work.elf: $(GLIB_OBJ) $(WORK_OBJ) guest/lib/guest.ld
	@echo '  LD      $@'
	@$(LD) -nostdlib -z max-page-size=4096 --no-warn-rwx-segments -T guest/lib/guest.ld -o $@ $(GLIB_OBJ) $(WORK_OBJ)
$(B)/%.bin: $(B)/%.elf
	$(OBJCOPY) -O binary $< $@
$(B)/guest/mgmt/%.o: GUEST_CFLAGS += -I$(B)

# ---- loader -------------------------------------------------------------
$(B)/boot/%.efi.o: boot/%.c
	@mkdir -p $(dir $@)
	@echo '  CC      $<'
	@$(CC) $(EFI_CFLAGS) -MMD -c $< -o $@
$(B)/loader.so: $(BOOT_OBJ)
	$(LD) -nostdlib -znocombreloc -shared -Bsymbolic -T /usr/lib/elf_x86_64_efi.lds \
		/usr/lib/crt0-efi-x86_64.o $(BOOT_OBJ) -o $@ -L/usr/lib -lefi -lgnuefi
$(B)/BOOTX64.EFI: $(B)/loader.so
	$(OBJCOPY) -j .text -j .sdata -j .data -j .dynamic -j .dynsym -j .rel -j .rela \
		-j .rel.* -j .rela.* -j .reloc --target=efi-app-x86_64 --subsystem=10 $< $@

# ---- disk image: FAT16, geometry 65x16x63 (what Bochs wants), no root ----
$(DISK): $(B)/BOOTX64.EFI $(B)/hv.bin $(B)/mgmt.bin $(B)/work.bin
	rm -f $@.tmp
	truncate -s 33546240 $@.tmp
	mkfs.vfat -F 16 -n RINGVISOR $@.tmp >/dev/null
	mmd -i $@.tmp ::/EFI ::/EFI/BOOT
	mcopy -i $@.tmp $(B)/BOOTX64.EFI ::/EFI/BOOT/BOOTX64.EFI
	mcopy -i $@.tmp $(B)/hv.bin ::/hv.bin
	mcopy -i $@.tmp $(B)/mgmt.bin ::/mgmt.bin
	mcopy -i $@.tmp $(B)/work.bin ::/work.bin
	mv $@.tmp $@

# ---- host unit tests ----------------------------------------------------
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(patsubst tests/unit/%.c,$(B)/tests/unit/%,$(UNIT_SRC))
# Each test lists the project sources it links in a line "// links: a.c b.c".
UNIT_DEPS := $(wildcard hv/*.[ch] hv/*/*.[ch] boot/*.[ch] guest/mgmt/*.h) tests/unit/host_stubs.c
# What a test (or fuzz target, $<) links besides itself: its "// links:" line.
LINKS_OF = $$(sed -n 's|^// links: ||p' $<)
$(B)/tests/unit/%: tests/unit/%.c $(UNIT_DEPS) | $(GEN_H)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) $(SAN) -o $@ $< $(LINKS_OF) tests/unit/host_stubs.c -lcmocka
unit-tests: $(UNIT_BIN)

# The same tests under AddressSanitizer and UndefinedBehaviorSanitizer, in a
# directory of their own (build/san/); any report stops the test with a
# non-zero status, and check-sanitize fails if any test does.  Built with
# clang, whose UBSan checks more than gcc's (NULL + 0, for one); the plain
# unit tests stay with $(CC).  `make check-sanitize SAN_CC=gcc` for gcc's.
SAN_CC ?= clang
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
SAN_ENV := ASAN_OPTIONS=detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
SAN_BIN := $(patsubst tests/unit/%.c,$(B)/san/tests/unit/%,$(UNIT_SRC))
$(B)/san/tests/unit/%: tests/unit/%.c $(UNIT_DEPS) | $(GEN_H)
	@mkdir -p $(dir $@)
	$(SAN_CC) $(HOST_CFLAGS) $(SAN_FLAGS) -o $@ $< $(LINKS_OF) tests/unit/host_stubs.c -lcmocka
check-sanitize: $(SAN_BIN)
	@fail=0; for t in $(SAN_BIN); do \
		if $(SAN_ENV) $$t >$$t.log 2>&1; then \
			echo "  PASS    $$t (sanitized)"; \
		else \
			echo "  FAIL    $$t (sanitized), exit status $$?, log: $$t.log"; \
			grep -m1 -A20 -E 'ERROR: |runtime error' $$t.log || tail -n 20 $$t.log; \
			fail=1; \
		fi; \
	done; exit $$fail

# ---- fuzz targets (libFuzzer; tests/fuzz/README.md) ----------------------
# clang's libFuzzer comes from libclang-rt-14-dev.  `make fuzz-short` runs
# each target for 20 s, `make fuzz FUZZ_SECONDS=600` for longer.
FUZZ_CC := clang
FUZZ_CFLAGS := -std=gnu11 -O1 -g $(WARN) -Ihv -I$(GEN) -Iboot -DRV_HOST_TEST -DRV_ASSERTS=1 \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
	-fsanitize-coverage-ignorelist=tests/fuzz/coverage-ignore.txt
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN := $(patsubst tests/fuzz/%.c,$(B)/fuzz/%,$(FUZZ_SRC))
FUZZ_SECONDS ?= 20
$(B)/fuzz/%: tests/fuzz/%.c tests/fuzz/fuzz.h tests/fuzz/coverage-ignore.txt $(UNIT_DEPS) | $(GEN_H)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(LINKS_OF)
fuzz-build: $(FUZZ_BIN)
fuzz: $(FUZZ_BIN)
	tests/fuzz/run-fuzz $(FUZZ_SECONDS) $(FUZZ_BIN)
fuzz-short:
	$(MAKE) fuzz FUZZ_SECONDS=20

# ---- the two commands ---------------------------------------------------
run: deps all
	tools/hvrun --backend auto hello

test: deps
	$(MAKE) all unit-tests
	tests/run-tests

debug: deps all
	tools/hvrun --debug hello

# The performance suite (docs/perf/) and the plots (docs/plots/).
perf: deps all
	tools/perf-suite --check

plots: deps all
	tools/plots --run

# The dependency rules of docs/01-architecture.md (layers of hv/, VMX only
# in hv/vmx/, what boot/ and guest/ may include).
check-layers:
	tools/check-layers

# The book against the code: paths, file:function names, the ABI facts,
# README's package list (docs/README.md, Keeping the book true).
check-docs:
	tools/check-docs

compile_commands.json:
	$(MAKE) clean
	bear -- $(MAKE) all unit-tests fuzz-build

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(B)

-include $(shell find $(B) -name '*.d' 2>/dev/null)
