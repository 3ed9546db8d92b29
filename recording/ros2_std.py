"""The ROS 2 standard message definitions a recording needs, as field lines (no comments).

Field names, types, order, constants and defaults of the ROS 2 (kilted) interfaces the
recordings use: ``nav_msgs/Odometry`` and its geometry, ``visualization_msgs/MarkerArray`` and
its parts, the headers. They let :mod:`recording` write self-describing MCAP without a ROS
install; ``tests/ros/test_record.py`` checks every one against the installed ROS 2 packages'
``.msg`` files, so a distribution that changes a type fails there.
"""

from __future__ import annotations

__all__ = ["STANDARD"]

STANDARD: dict[str, str] = {
    "builtin_interfaces/msg/Time": """\
int32 sec
uint32 nanosec
""",
    "builtin_interfaces/msg/Duration": """\
int32 sec
uint32 nanosec
""",
    "std_msgs/msg/Header": """\
builtin_interfaces/Time stamp
string frame_id
""",
    "std_msgs/msg/ColorRGBA": """\
float32 r
float32 g
float32 b
float32 a
""",
    "geometry_msgs/msg/Point": """\
float64 x
float64 y
float64 z
""",
    "geometry_msgs/msg/Quaternion": """\
float64 x 0
float64 y 0
float64 z 0
float64 w 1
""",
    "geometry_msgs/msg/Pose": """\
Point position
Quaternion orientation
""",
    "geometry_msgs/msg/PoseWithCovariance": """\
Pose pose
float64[36] covariance
""",
    "geometry_msgs/msg/Vector3": """\
float64 x
float64 y
float64 z
""",
    "geometry_msgs/msg/Twist": """\
Vector3 linear
Vector3 angular
""",
    "geometry_msgs/msg/TwistWithCovariance": """\
Twist twist
float64[36] covariance
""",
    "nav_msgs/msg/Odometry": """\
std_msgs/Header header
string child_frame_id
geometry_msgs/PoseWithCovariance pose
geometry_msgs/TwistWithCovariance twist
""",
    "sensor_msgs/msg/CompressedImage": """\
std_msgs/Header header
string format
uint8[] data
""",
    "visualization_msgs/msg/UVCoordinate": """\
float32 u
float32 v
""",
    "visualization_msgs/msg/MeshFile": """\
string filename
uint8[] data
""",
    "visualization_msgs/msg/Marker": """\
int32 ARROW=0
int32 CUBE=1
int32 SPHERE=2
int32 CYLINDER=3
int32 LINE_STRIP=4
int32 LINE_LIST=5
int32 CUBE_LIST=6
int32 SPHERE_LIST=7
int32 POINTS=8
int32 TEXT_VIEW_FACING=9
int32 MESH_RESOURCE=10
int32 TRIANGLE_LIST=11
int32 ARROW_STRIP=12
int32 ADD=0
int32 MODIFY=0
int32 DELETE=2
int32 DELETEALL=3
std_msgs/Header header
string ns
int32 id
int32 type
int32 action
geometry_msgs/Pose pose
geometry_msgs/Vector3 scale
std_msgs/ColorRGBA color
builtin_interfaces/Duration lifetime
bool frame_locked
geometry_msgs/Point[] points
std_msgs/ColorRGBA[] colors
string texture_resource
sensor_msgs/CompressedImage texture
UVCoordinate[] uv_coordinates
string text
string mesh_resource
MeshFile mesh_file
bool mesh_use_embedded_materials
""",
    "visualization_msgs/msg/MarkerArray": """\
Marker[] markers
""",
}
