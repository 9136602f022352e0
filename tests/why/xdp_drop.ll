; A BPF object of two programs that drop every packet: section "xdp" returns XDP_DROP (1),
; section "classifier" returns TC_ACT_SHOT (2). tests/why_readers.rs attaches the prebuilt
; xdp_drop.o beside it (so the tests need only iproute2); rebuilt with LLVM by
;   llc -march=bpf -filetype=obj xdp_drop.ll -o xdp_drop.o
target triple = "bpf"
define i32 @xdp_drop(i8* %ctx) #0 section "xdp" {
  ret i32 1
}
define i32 @tc_drop(i8* %ctx) #0 section "classifier" {
  ret i32 2
}
@_license = global [4 x i8] c"GPL\00", section "license", align 1
attributes #0 = { nounwind }
