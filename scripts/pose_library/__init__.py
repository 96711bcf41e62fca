"""The parts of scripts/build_pose_library.py: the skeleton, hands, framing, recipe reading and checks."""
