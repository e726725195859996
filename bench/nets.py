"""The networks bench/ measures: where netc finds each one and its input
size. Imported by the orchestrator (no torch there) and by twins.py."""
import collections

Net = collections.namedtuple("Net", "file entry size")

NETS = collections.OrderedDict([
    ("mobilenet_v2", Net("stdlib/mobilenet_v2.net", "mobilenet_v2", 224)),
    ("resnet_v1_18", Net("stdlib/resnet_v1.net", "resnet_v1_18", 224)),
    ("resnet_v2_50", Net("stdlib/resnet_v2.net", "resnet_v2_50", 224)),
    ("inception_v3", Net("stdlib/inception_v3.net", "inception_v3", 299)),
    ("vgg_16", Net("stdlib/vgg.net", "vgg_16", 224)),
])
