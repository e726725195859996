"""PyTorch twins of netc's stdlib networks: the same architecture and FLOPs,
random weights. The PyTorch peer runs them and export_onnx.py exports them
for ONNX Runtime and OpenVINO. Run under Debian's torch (/usr/bin/python3, or
a venv made with --system-site-packages over it).

  resnet_v1_18, mobilenet_v2  torchvision's (netc's stdlib matches them: the
                              oracle tests check it weight for weight)
  inception_v3                torchvision's, aux logits off, 299x299
  vgg_16                      torchvision's vgg16
  resnet_v2_50                ResNetV2 below, TF-slim's network in PyTorch:
                              torchvision's resnet50 is a v1 ResNet of 8.18
                              GFLOP, slim's v2 is 6.96
  zoo:M                       torchvision's model M itself (nets.ZOO): netc
                              runs its ONNX export through `netc import`
"""
import torch
import torchvision
from torch import nn

import nets


class BottleneckV2(nn.Module):
    """slim's bottleneck_v2: pre-activation; the shortcut subsamples the raw
    input when the depth is kept, else is a biased 1x1 conv of the
    pre-activation; conv3 has a bias and no BN (slim's normalizer=None)."""

    def __init__(self, cin, depth, bottleneck, stride):
        super().__init__()
        self.preact = nn.BatchNorm2d(cin, eps=1e-5)
        if depth == cin:
            self.shortcut = nn.MaxPool2d(1, stride) if stride > 1 else nn.Identity()
            self.project = False
        else:
            self.shortcut = nn.Conv2d(cin, depth, 1, stride, bias=True)
            self.project = True
        self.conv1 = nn.Conv2d(cin, bottleneck, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(bottleneck, eps=1e-5)
        # slim's conv2d_same pads 1 on each side for 3x3 at stride 1 and 2 alike.
        self.conv2 = nn.Conv2d(bottleneck, bottleneck, 3, stride, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(bottleneck, eps=1e-5)
        self.conv3 = nn.Conv2d(bottleneck, depth, 1, bias=True)

    def forward(self, x):
        pre = torch.relu(self.preact(x))
        shortcut = self.shortcut(pre if self.project else x)
        r = torch.relu(self.bn1(self.conv1(pre)))
        r = torch.relu(self.bn2(self.conv2(r)))
        return shortcut + self.conv3(r)


class ResNetV2(nn.Module):
    """slim's resnet_v2 at output stride 32: a biased 7x7/2 root conv without
    BN, a 3x3/2 max pool, blocks whose stride sits in their last unit,
    postnorm, global mean, biased logits."""

    def __init__(self, blocks, num_classes=1000):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 7, 2, padding=3, bias=True)
        # slim pads SAME (0 before, 1 after) where this pads 1 on both sides:
        # the same output size and FLOPs.
        self.pool1 = nn.MaxPool2d(3, 2, padding=1)
        units, cin = [], 64
        for depth, bottleneck, count, stride in blocks:
            for i in range(count):
                units.append(BottleneckV2(cin, depth, bottleneck, stride if i == count - 1 else 1))
                cin = depth
        self.units = nn.Sequential(*units)
        self.postnorm = nn.BatchNorm2d(cin, eps=1e-5)
        self.logits = nn.Linear(cin, num_classes)

    def forward(self, x):
        x = self.units(self.pool1(self.conv1(x)))
        x = torch.relu(self.postnorm(x)).mean(dim=(2, 3))
        return self.logits(x)


def resnet_v2_50():
    return ResNetV2([(256, 64, 3, 2), (512, 128, 4, 2), (1024, 256, 6, 2), (2048, 512, 3, 1)])


BUILDERS = {
    "mobilenet_v2": lambda: torchvision.models.mobilenet_v2(weights=None),
    "resnet_v1_18": lambda: torchvision.models.resnet18(weights=None),
    "resnet_v2_50": resnet_v2_50,
    # init_weights=False: torchvision's own init draws truncated normals
    # through scipy (slow) and lets activations grow without bound here.
    "inception_v3": lambda: torchvision.models.inception_v3(
        weights=None, aux_logits=False, init_weights=False, transform_input=False),
    "vgg_16": lambda: torchvision.models.vgg16(weights=None),
}


def calibrate_batch_norm(model, size):
    """Sets every BN's statistics to those of a random batch, so activations
    stay of order 1 through the whole network: with BN left at mean 0 and
    variance 1 they drift towards overflow or towards denormals (which run
    far slower on x86), and the peers would be timed on numbers no trained
    network produces."""
    bns = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    if not bns:
        return
    for m in bns:
        m.reset_running_stats()
        m.momentum = None  # a cumulative average: one batch sets the statistics
    model.train()
    with torch.no_grad():
        model(torch.randn(2, 3, size, size))
    model.eval()


def zoo_model(name):
    # Inception's and GoogLeNet's auxiliary heads only run in training; their
    # own init draws truncated normals through scipy (slow).
    kw = dict(aux_logits=False, init_weights=False) if name in ("inception_v3", "googlenet") else {}
    return getattr(torchvision.models, name)(weights=None, **kw)


def build(name, seed=0):
    """The twin of netc's network `name` (or zoo:M, torchvision's M) in eval
    mode, random weights."""
    torch.manual_seed(seed)
    zoo = nets.is_zoo(name)
    model = (zoo_model(name[len(nets.ZOO_PREFIX):]) if zoo else BUILDERS[name]()).eval()
    calibrate_batch_norm(model, nets.size(name))
    return model


def flops_per_image(model, size):
    """2 per multiply-add of convolutions and linear layers, as netc counts."""
    total = [0]

    def conv(m, inputs, out):
        kh, kw = m.kernel_size
        total[0] += 2 * out[0].numel() * (m.in_channels // m.groups) * kh * kw

    def linear(m, inputs, out):
        total[0] += 2 * m.in_features * m.out_features

    hooks = [m.register_forward_hook(conv) for m in model.modules() if isinstance(m, nn.Conv2d)]
    hooks += [m.register_forward_hook(linear) for m in model.modules() if isinstance(m, nn.Linear)]
    with torch.no_grad():
        model(torch.zeros(1, 3, size, size))
    for h in hooks:
        h.remove()
    return total[0]


if __name__ == "__main__":
    # twins.py [--json] [NET ...]: each twin's FLOPs per image (bench/prepare.py
    # reads the JSON form).
    import json
    import sys
    args = sys.argv[1:]
    as_json = "--json" in args
    names = [n for n in args if n != "--json"] or list(nets.NETS)
    flops = {n: flops_per_image(build(n), nets.size(n)) for n in names}
    if as_json:
        print(json.dumps(dict(flops, torch=torch.__version__)))
    else:
        for n, f in flops.items():
            print("%-14s %.6f GFLOP/image" % (n, f / 1e9))
