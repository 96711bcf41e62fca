import sqlalchemy as sa
from sqlmodel import Field, SQLModel


class ModelCatalog(SQLModel, table=True):
    """The one price list: estimates, charges and refunds all read from here."""

    __tablename__ = "model_catalog"
    __table_args__ = (sa.CheckConstraint("credit_cost >= 0", name="ck_model_catalog_cost_not_negative"),)

    key: str = Field(primary_key=True, sa_type=sa.String(50))
    label: str = Field(sa_type=sa.String(100))
    kind: str = Field(sa_type=sa.String(20))  # CatalogKind
    tier: str = Field(default="free", sa_type=sa.String(20))
    credit_cost: int
    # The generation preset a pose or avatar entry runs on (None for flat fees).
    preset: str | None = Field(default=None, sa_type=sa.String(50))
    description: str = Field(default="", sa_type=sa.String(300))
    enabled: bool = Field(default=True)
    sort: int = Field(default=0)
