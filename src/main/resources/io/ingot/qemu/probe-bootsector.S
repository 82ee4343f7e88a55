# The boot sector AcceleratorProbe writes when no Linux kernel is available (its bytes are in
# AcceleratorProbe.BOOT_SECTOR_HEX). Prints R in real mode, then enters long mode and prints
# INGOT-PROBE-OK to COM1. Rebuild: as --32 -o p.o probe-bootsector.S && ld -m elf_i386 -Ttext 0x7c00 --oformat binary -o p.img p.o
.code16
.globl _start
_start:
  cli
  cld
  xor %ax,%ax
  mov %ax,%ds
  mov %ax,%es
  mov %ax,%ss
  mov $0x7c00,%sp
  mov $0x3f8,%dx
  mov $'R',%al
  out %al,%dx
  in $0x92,%al
  or $2,%al
  out %al,$0x92
  mov $0x1000,%di
  mov $0x1800,%cx
  xor %ax,%ax
  rep stosw
  movw $0x2003,0x1000
  movw $0x3003,0x2000
  movw $0x0083,0x3000
  lgdtl gdtr
  mov %cr4,%eax
  or $0x20,%eax
  mov %eax,%cr4
  mov $0x1000,%eax
  mov %eax,%cr3
  mov $0xC0000080,%ecx
  rdmsr
  or $0x100,%eax
  wrmsr
  mov %cr0,%eax
  or $0x80000001,%eax
  mov %eax,%cr0
  ljmpl $0x08,$long_entry
.code64
long_entry:
  mov $0x3f8,%dx
  lea msg(%rip),%rsi
1: lodsb
  test %al,%al
  jz 2f
  out %al,%dx
  jmp 1b
2: hlt
  jmp 2b
.align 8
gdt: .quad 0
  .quad 0x00209A0000000000
  .quad 0x0000920000000000
gdtr: .word 23
  .long gdt
msg: .ascii "INGOT-PROBE-OK long mode\n\0"
.org 510
.byte 0x55,0xaa
