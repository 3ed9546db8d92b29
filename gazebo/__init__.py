"""Gazebo (gz-sim Harmonic) runs of a crossing map: the world, the AGV model, the bridge config.

    from gazebo.generate import generate_world
    manifest = generate_world("erenhot_zamyn_uud", Path("out/gz"), agvs=6)

``borderflow gazebo world`` is the command; docs/gazebo.md says what is generated and how to
run it. Nothing here imports ROS or Gazebo: the output is files.
"""
