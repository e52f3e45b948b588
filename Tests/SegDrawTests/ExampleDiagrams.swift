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
}
