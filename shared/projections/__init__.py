from shared.projections.projection import Projection
from shared.projections.runner import ProjectionRunner

__all__ = ["Projection", "ProjectionRunner"]
