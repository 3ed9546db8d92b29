"""ament_python package of borderflow's ROS 2 nodes (built by colcon, see docs/ros.md)."""

from setuptools import find_packages, setup

PACKAGE = "borderflow_ros"

setup(
    name=PACKAGE,
    version="0.1.0",
    packages=find_packages(exclude=["test"]),
    data_files=[
        ("share/ament_index/resource_index/packages", [f"resource/{PACKAGE}"]),
        (f"share/{PACKAGE}", ["package.xml"]),
    ],
    install_requires=["setuptools"],
    zip_safe=True,
    maintainer="borderflow maintainers",
    maintainer_email="maintainers@borderflow.example.org",
    description="borderflow orchestrator node, fleet adapter, AGV simulator and markers",
    license="Apache-2.0",
    entry_points={
        "console_scripts": [
            "orchestrator_node = borderflow_ros.orchestrator_node:main",
            "adapter_node = borderflow_ros.adapter_node:main",
            "agv_sim = borderflow_ros.agv_sim_node:main",
            "diff_drive_sim = borderflow_ros.diff_drive_sim_node:main",
            "markers = borderflow_ros.markers_node:main",
        ],
    },
)
