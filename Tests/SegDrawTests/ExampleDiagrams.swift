import SegDraw

/// Diagrams built by hand, shaped like the papers' figures; the real ones come from traced models.
enum ExampleDiagrams {
    /// U-Net (Ronneberger et al., 2015) with double convolutions as blocks, 572×572 input.
    static func unet() -> Diagram {
        var d = Diagram(title: "U-Net")
        var prev = d.add("in", "input", kind: .input, shape: .spatial(channels: 1, height: 572, width: 572))
        var size = 572, ch = 64
        var skips: [String] = []
        for level in 0..<4 {
            size -= 4
            prev = d.add("enc\(level)", "conv 3×3 ×2", kind: .conv, shape: .spatial(channels: ch, height: size, width: size), after: prev)
            skips.append(prev)
            size /= 2
            prev = d.add("pool\(level)", "max pool", kind: .pool, shape: .spatial(channels: ch, height: size, width: size), after: prev)
            ch *= 2
        }
        size -= 4
        prev = d.add("mid", "conv 3×3 ×2", kind: .conv, shape: .spatial(channels: ch, height: size, width: size), after: prev)
        for level in (0..<4).reversed() {
            size *= 2; ch /= 2
            prev = d.add("up\(level)", "up-conv 2×2", kind: .upsample, shape: .spatial(channels: ch, height: size, width: size), after: prev)
            let cat = d.add("cat\(level)", "crop & concat", kind: .concat, shape: .spatial(channels: 2 * ch, height: size, width: size), after: prev)
            d.connect(skips[level], cat, kind: .skip)
            size -= 4
            prev = d.add("dec\(level)", "conv 3×3 ×2", kind: .conv, shape: .spatial(channels: ch, height: size, width: size), after: cat)
        }
        d.add("out", "conv 1×1", kind: .conv, shape: .spatial(channels: 2, height: size, width: size), after: prev)
        return d
    }

    /// SegNet (Badrinarayanan et al., 2017): VGG-16 encoder, decoder unpooling with the encoder's indices.
    static func segnet() -> Diagram {
        var d = Diagram(title: "SegNet")
        var prev = d.add("in", "input", kind: .input, shape: .spatial(channels: 3, height: 360, width: 480))
        let chans = [64, 128, 256, 512, 512], convs = [2, 2, 3, 3, 3]
        var h = 360, w = 480
        var pools: [String] = []
        for s in 0..<5 {
            prev = d.add("enc\(s)", "conv+BN+ReLU", kind: .conv, shape: .spatial(channels: chans[s], height: h, width: w), after: prev, repeatCount: convs[s])
            h /= 2; w /= 2
            prev = d.add("pool\(s)", "max pool", kind: .pool, shape: .spatial(channels: chans[s], height: h, width: w), after: prev)
            pools.append(prev)
        }
        for s in (0..<5).reversed() {
            h *= 2; w *= 2
            prev = d.add("unpool\(s)", "unpool", kind: .upsample, shape: .spatial(channels: chans[s], height: h, width: w), after: prev)
            d.connect(pools[s], prev, kind: .poolingIndices)
            let out = s == 0 ? 64 : chans[s - 1]
            prev = d.add("dec\(s)", "conv+BN+ReLU", kind: .conv, shape: .spatial(channels: out, height: h, width: w), after: prev, repeatCount: convs[s])
        }
        d.add("cls", "conv 1×1 + softmax", kind: .output, shape: .spatial(channels: 12, height: h, width: w), after: prev)
        return d
    }

    /// DeepLab v3 (Chen et al., 2017): ResNet-50 at output stride 16, ASPP with rates 6/12/18 and image pooling.
    static func deeplabv3() -> Diagram {
        var d = Diagram(title: "DeepLab v3 (ResNet-50, output stride 16)")
        d.addGroup("backbone", "ResNet-50")
        let stages = [(256, 128, 3), (512, 64, 4), (1024, 32, 6), (2048, 32, 3)]
        var prev = d.add("in", "input", kind: .input, shape: .spatial(channels: 3, height: 512, width: 512))
        prev = d.add("stem", "stem conv 7×7 + pool", kind: .conv, shape: .spatial(channels: 64, height: 128, width: 128), after: prev, group: "backbone")
        for (i, (c, h, n)) in stages.enumerated() {
            d.addGroup("layer\(i + 1)", "stage \(i + 1)", parent: "backbone", repeatCount: n)
            for b in 0..<n {
                prev = d.add("l\(i)b\(b)", "bottleneck", kind: .conv, shape: .spatial(channels: c, height: h, width: h), after: prev, group: "layer\(i + 1)")
            }
        }
        let x = prev
        var branches: [String] = []
        branches.append(d.add("b0", "conv 1×1", kind: .conv, shape: .spatial(channels: 256, height: 32, width: 32), after: x))
        for r in [6, 12, 18] {
            branches.append(d.add("r\(r)", "conv 3×3 rate \(r)", kind: .conv, shape: .spatial(channels: 256, height: 32, width: 32), after: x))
        }
        let gp = d.add("gap", "image pooling", kind: .pool, shape: .spatial(channels: 2048, height: 1, width: 1), after: x)
        let gc = d.add("gpc", "conv 1×1", kind: .conv, shape: .spatial(channels: 256, height: 1, width: 1), after: gp)
        branches.append(d.add("gpu", "upsample", kind: .upsample, shape: .spatial(channels: 256, height: 32, width: 32), after: gc))
        let cat = d.add("cat", "concat", kind: .concat, shape: .spatial(channels: 1280, height: 32, width: 32))
        for b in branches { d.connect(b, cat) }
        prev = d.add("proj", "conv 1×1 + BN", kind: .conv, shape: .spatial(channels: 256, height: 32, width: 32), after: cat)
        prev = d.add("cls", "classifier 1×1", kind: .conv, shape: .spatial(channels: 21, height: 32, width: 32), after: prev)
        d.add("up", "bilinear ×16", kind: .upsample, shape: .spatial(channels: 21, height: 512, width: 512), after: prev)
        return d
    }

    /// ViT-B/16 as SETR-naive uses it: patch embedding, 12 transformer blocks, a reshape and upsampling.
    static func vit() -> Diagram {
        var d = Diagram(title: "SETR-Naive (ViT-B/16)")
        var prev = d.add("in", "input", kind: .input, shape: .spatial(channels: 3, height: 512, width: 512))
        prev = d.add("embed", "patch embed 16×16", kind: .embedding, shape: .tokens(count: 1024, dim: 768), after: prev)
        prev = d.add("pos", "+ position", kind: .add, shape: .tokens(count: 1024, dim: 768), after: prev)
        d.addGroup("block", "transformer block", repeatCount: 12, kind: .attention)
        prev = d.add("ln1", "LayerNorm", kind: .normActivation, shape: .tokens(count: 1024, dim: 768), after: prev, group: "block")
        prev = d.add("attn", "multi-head attention", kind: .attention, shape: .tokens(count: 1024, dim: 768), after: prev, group: "block")
        prev = d.add("ln2", "LayerNorm", kind: .normActivation, shape: .tokens(count: 1024, dim: 768), after: prev, group: "block")
        prev = d.add("mlp", "MLP 768→3072→768", kind: .mlp, shape: .tokens(count: 1024, dim: 768), after: prev, group: "block")
        prev = d.add("reshape", "reshape", kind: .other, shape: .spatial(channels: 768, height: 32, width: 32), after: prev)
        prev = d.add("head", "conv 1×1", kind: .conv, shape: .spatial(channels: 150, height: 32, width: 32), after: prev)
        d.add("up", "bilinear ×16", kind: .upsample, shape: .spatial(channels: 150, height: 512, width: 512), after: prev)
        return d
    }

    /// FCN-8s (Long et al., 2015): VGG-16, scores from pool3 and pool4 added to the upsampled coarse score.
    static func fcn8s() -> Diagram {
        var d = Diagram(title: "FCN-8s (VGG-16)")
        d.addGroup("vgg", "VGG-16")
        var prev = d.add("in", "input", kind: .input, shape: .spatial(channels: 3, height: 512, width: 512))
        let chans = [64, 128, 256, 512, 512], convs = [2, 2, 3, 3, 3]
        var h = 512
        var pools: [String] = []
        for s in 0..<5 {
            d.addGroup("block\(s + 1)", "conv block \(s + 1)", parent: "vgg")
            prev = d.add("conv\(s + 1)", "conv 3×3 + ReLU", kind: .conv, shape: .spatial(channels: chans[s], height: h, width: h), after: prev,
                         group: "block\(s + 1)", repeatCount: convs[s])
            h /= 2
            prev = d.add("pool\(s + 1)", "max pool", kind: .pool, shape: .spatial(channels: chans[s], height: h, width: h), after: prev, group: "block\(s + 1)")
            pools.append(prev)
        }
        prev = d.add("fc", "fc6, fc7 as conv", kind: .conv, shape: .spatial(channels: 4096, height: 16, width: 16), after: prev)
        prev = d.add("score", "score 1×1", kind: .conv, shape: .spatial(channels: 21, height: 16, width: 16), after: prev)
        prev = d.add("up2", "upsample ×2", kind: .upsample, shape: .spatial(channels: 21, height: 32, width: 32), after: prev)
        let s4 = d.add("score4", "score pool4", kind: .conv, shape: .spatial(channels: 21, height: 32, width: 32))
        d.connect(pools[3], s4, kind: .skip)
        let add4 = d.add("add4", "add", kind: .add, shape: .spatial(channels: 21, height: 32, width: 32), after: prev)
        d.connect(s4, add4)
        prev = d.add("up4", "upsample ×2", kind: .upsample, shape: .spatial(channels: 21, height: 64, width: 64), after: add4)
        let s3 = d.add("score3", "score pool3", kind: .conv, shape: .spatial(channels: 21, height: 64, width: 64))
        d.connect(pools[2], s3, kind: .skip)
        let add3 = d.add("add3", "add", kind: .add, shape: .spatial(channels: 21, height: 64, width: 64), after: prev)
        d.connect(s3, add3)
        d.add("up8", "upsample ×8", kind: .upsample, shape: .spatial(channels: 21, height: 512, width: 512), after: add3)
        return d
    }

    /// DeepLab v3+ (Chen et al., 2018): ASPP on stride-16 features, a decoder that adds stride-4 features.
    static func deeplabv3plus() -> Diagram {
        var d = Diagram(title: "DeepLab v3+ (ResNet-50)", layout: .chain)
        d.addGroup("backbone", "ResNet-50")
        var prev = d.add("in", "input", kind: .input, shape: .spatial(channels: 3, height: 512, width: 512))
        prev = d.add("stem", "stem", kind: .conv, shape: .spatial(channels: 64, height: 128, width: 128), after: prev, group: "backbone")
        let stages = [(256, 128, 3), (512, 64, 4), (1024, 32, 6), (2048, 32, 3)]
        var low = ""
        for (i, (c, h, n)) in stages.enumerated() {
            prev = d.add("layer\(i + 1)", "stage \(i + 1)", kind: .stage, shape: .spatial(channels: c, height: h, width: h), after: prev,
                         group: "backbone", repeatCount: n)
            if i == 0 { low = prev }
        }
        let x = prev
        let cat = d.add("aspp", "concat", kind: .concat, shape: .spatial(channels: 1280, height: 32, width: 32))
        for (id, label) in [("b0", "conv 1×1"), ("r6", "conv 3×3 rate 6"), ("r12", "conv 3×3 rate 12"), ("r18", "conv 3×3 rate 18"), ("gp", "image pool")] {
            d.add(id, label, kind: id == "gp" ? .pool : .conv, shape: .spatial(channels: 256, height: 32, width: 32), after: x)
            d.connect(id, cat)
        }
        prev = d.add("proj", "conv 1×1", kind: .conv, shape: .spatial(channels: 256, height: 32, width: 32), after: cat)
        prev = d.add("up4a", "upsample ×4", kind: .upsample, shape: .spatial(channels: 256, height: 128, width: 128), after: prev)
        let red = d.add("reduce", "conv 1×1", kind: .conv, shape: .spatial(channels: 48, height: 128, width: 128))
        d.connect(low, red, kind: .skip)
        let dcat = d.add("dcat", "concat", kind: .concat, shape: .spatial(channels: 304, height: 128, width: 128), after: prev)
        d.connect(red, dcat)
        prev = d.add("refine", "conv 3×3", kind: .conv, shape: .spatial(channels: 256, height: 128, width: 128), after: dcat, repeatCount: 2)
        prev = d.add("cls", "classifier", kind: .conv, shape: .spatial(channels: 21, height: 128, width: 128), after: prev)
        d.add("up4b", "upsample ×4", kind: .upsample, shape: .spatial(channels: 21, height: 512, width: 512), after: prev)
        return d
    }

    /// SegFormer-B0 (Xie et al., 2021): a hierarchical transformer (MiT) with four token stages, and an
    /// all-MLP decoder that upsamples each stage to 1/4 and fuses them.
    static func segformer() -> Diagram {
        var d = Diagram(title: "SegFormer-B0")
        var prev = d.add("in", "input", kind: .input, shape: .spatial(channels: 3, height: 512, width: 512))
        let dims = [32, 64, 160, 256], depths = [2, 2, 2, 2], strides = [4, 8, 16, 32]
        var stageOut: [String] = []
        for i in 0..<4 {
            let h = 512 / strides[i]
            d.addGroup("stage\(i + 1)", "stage \(i + 1)", kind: .attention)
            prev = d.add("embed\(i + 1)", "overlap patch embed", kind: .embedding, shape: .tokens(count: h * h, dim: dims[i]), after: prev, group: "stage\(i + 1)")
            prev = d.add("blocks\(i + 1)", "efficient attention + Mix-FFN", kind: .attention, shape: .tokens(count: h * h, dim: dims[i]), after: prev,
                         group: "stage\(i + 1)", repeatCount: depths[i])
            prev = d.add("norm\(i + 1)", "LayerNorm, reshape", kind: .normActivation, shape: .spatial(channels: dims[i], height: h, width: h), after: prev,
                         group: "stage\(i + 1)")
            stageOut.append(prev)
        }
        let cat = d.add("cat", "concat", kind: .concat, shape: .spatial(channels: 1024, height: 128, width: 128))
        for (i, s) in stageOut.enumerated() {
            let mlp = d.add("mlp\(i + 1)", "MLP + upsample", kind: .mlp, shape: .spatial(channels: 256, height: 128, width: 128))
            d.connect(s, mlp, kind: i == 3 ? .flow : .skip)
            d.connect(mlp, cat)
        }
        prev = d.add("fuse", "MLP fuse", kind: .mlp, shape: .spatial(channels: 256, height: 128, width: 128), after: cat)
        d.add("cls", "MLP classify", kind: .mlp, shape: .spatial(channels: 150, height: 128, width: 128), after: prev)
        return d
    }
}
