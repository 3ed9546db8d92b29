"""borderflow on ROS 2: hosts the orchestrator core, adapts AGVs, simulates them, draws them."""
