;; The two inner loops of tree growth, run billions of times per training job: building a node's
;; gradient/hessian histogram, and partitioning its rows by a split.
;;
;; Histograms are WebAssembly because a JavaScript engine cannot add a (gradient, hessian) pair into
;; a histogram slot as one 128-bit operation. A deep node's rows are scattered over memory, and reading them one by one waits on memory for
;; every row. So rows go in blocks: first each block's bins and gradient pairs are copied into a small
;; scratch area (a tight loop, so many rows' reads are under way at once), then added up from there.
;;
;; Memory (shared, so a helper thread can work on half of a node's rows over the same arrays):
;;   bins     u8 [rows × nf]      each row's bin per feature, row-major, then 16 bytes of padding
;;   columns  u8 [nf × rows]      the same bins per feature (a partition reads one feature's)
;;   gh       f64[rows × 2]       each row's gradient and hessian, interleaved
;;   idx      i32[rows]           row order; a node owns idx[start, end)
;;   slots    i32[nf]             byte offset of feature f's first bin pair within a histogram
;;   hist     f64[width × 2]      (gradient sum, hessian sum) per bin of every feature; the caller zeroes it
;;   scratch  block × (stride + 16) bytes, stride = nf rounded up to 16: one thread's staging area
;;   spill    i32[rows]           where a partition parks the rows going right
(module
  (import "env" "memory" (memory 1 65536 shared))
  (func (export "histogram")
    (param $bins i32) (param $nf i32) (param $gh i32) (param $idx i32)
    (param $start i32) (param $end i32) (param $hist i32) (param $slots i32) (param $scratch i32) (param $block i32)
    (local $k i32) (local $stop i32) (local $blockEnd i32) (local $row i32) (local $src i32) (local $dst i32)
    (local $stride i32) (local $c i32) (local $b i32) (local $rowEnd i32) (local $slot i32) (local $at i32)
    (local $pair v128) (local $ghs i32) (local $j i32) (local $cnt i32)
    (local.set $stride (i32.and (i32.add (local.get $nf) (i32.const 15)) (i32.const -16)))
    (local.set $ghs (i32.add (local.get $scratch) (i32.mul (local.get $stride) (local.get $block))))
    (local.set $k (i32.add (local.get $idx) (i32.shl (local.get $start) (i32.const 2))))
    (local.set $stop (i32.add (local.get $idx) (i32.shl (local.get $end) (i32.const 2))))
    (block $done
      (br_if $done (i32.ge_u (local.get $k) (local.get $stop)))
      (br_if $done (i32.eqz (local.get $nf)))
      (loop $blocks
        (local.set $blockEnd (i32.add (local.get $k) (i32.shl (local.get $block) (i32.const 2))))
        (if (i32.gt_u (local.get $blockEnd) (local.get $stop)) (then (local.set $blockEnd (local.get $stop))))
        ;; gather the block's rows: bins (whole 16-byte chunks) and gradient pairs
        (local.set $dst (local.get $scratch))
        (local.set $j (local.get $ghs))
        (local.set $cnt (local.get $k))
        (loop $gather
          (local.set $row (i32.load (local.get $cnt)))
          (v128.store (local.get $j) (v128.load (i32.add (local.get $gh) (i32.shl (local.get $row) (i32.const 4)))))
          (local.set $src (i32.add (local.get $bins) (i32.mul (local.get $row) (local.get $nf))))
          (local.set $c (i32.const 0))
          (loop $chunks
            (v128.store (i32.add (local.get $dst) (local.get $c)) (v128.load (i32.add (local.get $src) (local.get $c))))
            (local.set $c (i32.add (local.get $c) (i32.const 16)))
            (br_if $chunks (i32.lt_u (local.get $c) (local.get $stride))))
          (local.set $dst (i32.add (local.get $dst) (local.get $stride)))
          (local.set $j (i32.add (local.get $j) (i32.const 16)))
          (local.set $cnt (i32.add (local.get $cnt) (i32.const 4)))
          (br_if $gather (i32.lt_u (local.get $cnt) (local.get $blockEnd))))
        ;; add them up
        (local.set $b (local.get $scratch))
        (local.set $j (local.get $ghs))
        (loop $rows
          (local.set $pair (v128.load (local.get $j)))
          (local.set $rowEnd (i32.add (local.get $b) (local.get $nf)))
          (local.set $slot (local.get $slots))
          (loop $features
            (local.set $at
              (i32.add
                (i32.add (local.get $hist) (i32.load (local.get $slot)))
                (i32.shl (i32.load8_u (local.get $b)) (i32.const 4))))
            (v128.store (local.get $at) (f64x2.add (v128.load (local.get $at)) (local.get $pair)))
            (local.set $b (i32.add (local.get $b) (i32.const 1)))
            (local.set $slot (i32.add (local.get $slot) (i32.const 4)))
            (br_if $features (i32.lt_u (local.get $b) (local.get $rowEnd))))
          (local.set $b (i32.add (local.get $b) (i32.sub (local.get $stride) (local.get $nf))))
          (local.set $j (i32.add (local.get $j) (i32.const 16)))
          (local.set $k (i32.add (local.get $k) (i32.const 4)))
          (br_if $rows (i32.lt_u (local.get $k) (local.get $blockEnd))))
        (br_if $blocks (i32.lt_u (local.get $k) (local.get $stop))))))

  ;; Partitions rows idx[start, end) stably: rows whose bin in `column` is ≤ bin first, then the
  ;; others; returns where the others begin. Without a branch, since a split sends rows either way
  ;; unpredictably: each row is written to both places and only its own side advances.
  (func (export "partition")
    (param $column i32) (param $bin i32) (param $idx i32) (param $start i32) (param $end i32) (param $spill i32)
    (result i32)
    (local $k i32) (local $stop i32) (local $lo i32) (local $out i32) (local $row i32) (local $right i32)
    (local.set $k (i32.add (local.get $idx) (i32.shl (local.get $start) (i32.const 2))))
    (local.set $stop (i32.add (local.get $idx) (i32.shl (local.get $end) (i32.const 2))))
    (local.set $lo (local.get $k))
    (local.set $out (local.get $spill))
    (block $done
      (br_if $done (i32.ge_u (local.get $k) (local.get $stop)))
      (loop $rows
        (local.set $row (i32.load (local.get $k)))
        (local.set $right
          (i32.shr_u (i32.sub (local.get $bin) (i32.load8_u (i32.add (local.get $column) (local.get $row)))) (i32.const 31)))
        (i32.store (local.get $lo) (local.get $row))
        (i32.store (local.get $out) (local.get $row))
        (local.set $lo (i32.add (local.get $lo) (i32.shl (i32.xor (local.get $right) (i32.const 1)) (i32.const 2))))
        (local.set $out (i32.add (local.get $out) (i32.shl (local.get $right) (i32.const 2))))
        (local.set $k (i32.add (local.get $k) (i32.const 4)))
        (br_if $rows (i32.lt_u (local.get $k) (local.get $stop)))))
    (memory.copy (local.get $lo) (local.get $spill) (i32.sub (local.get $out) (local.get $spill)))
    (i32.shr_u (i32.sub (local.get $lo) (local.get $idx)) (i32.const 2)))
)
