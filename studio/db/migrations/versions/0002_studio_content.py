"""studio content: avatars, poses, generations

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 16:10:18.360589
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate writes sqlmodel.sql.sqltypes.AutoString)
import studio.db.types  # noqa: F401  (UTCDateTime and the JSON type)

revision: str = '0002'
down_revision: Union[str, Sequence[str], None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('avatar_presets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('description', sa.String(length=500), nullable=False),
    sa.Column('persona', studio.db.types.JSONType, nullable=False),
    sa.Column('attributes', studio.db.types.JSONType, nullable=False),
    sa.Column('image', sa.String(length=300), nullable=False),
    sa.Column('seed', sa.BigInteger(), nullable=False),
    sa.Column('sort', sa.Integer(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('slug')
    )

    op.create_table('persona_examples',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('age', sa.Integer(), nullable=True),
    sa.Column('personality', sa.String(length=500), nullable=False),
    sa.Column('background', sa.String(length=1000), nullable=False),
    sa.Column('attributes', studio.db.types.JSONType, nullable=False),
    sa.Column('sort', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('slug')
    )

    op.create_table('pose_categories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('description', sa.String(length=500), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('sort', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['parent_id'], ['pose_categories.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('slug')
    )
    with op.batch_alter_table('pose_categories', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pose_categories_parent_id'), ['parent_id'], unique=False)

    op.create_table('avatar_projects',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('description', sa.String(length=500), nullable=False),
    sa.Column('created_at', studio.db.types.UTCDateTime(), nullable=False),
    sa.Column('updated_at', studio.db.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('avatar_projects', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_avatar_projects_user_id'), ['user_id'], unique=False)

    op.create_table('poses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=120), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('description', sa.String(length=500), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('keypoints', studio.db.types.JSONType, nullable=False),
    sa.Column('framing', sa.String(length=20), nullable=False),
    sa.Column('difficulty', sa.String(length=20), nullable=False),
    sa.Column('gender', sa.String(length=20), nullable=False),
    sa.Column('tags', studio.db.types.JSONType, nullable=False),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.Column('featured', sa.Boolean(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('use_count', sa.Integer(), nullable=False),
    sa.Column('favourite_count', sa.Integer(), nullable=False),
    sa.Column('created_at', studio.db.types.UTCDateTime(), nullable=False),
    sa.Column('updated_at', studio.db.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['pose_categories.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('slug')
    )
    with op.batch_alter_table('poses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_poses_category_id'), ['category_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_poses_featured'), ['featured'], unique=False)
        batch_op.create_index('ix_poses_owner_category', ['owner_id', 'category_id'], unique=False)
        batch_op.create_index('ix_poses_use_count', ['use_count'], unique=False)

    op.create_table('avatars',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('image_path', sa.String(length=500), nullable=False),
    sa.Column('thumbnail_path', sa.String(length=500), nullable=False),
    sa.Column('persona_name', sa.String(length=120), nullable=False),
    sa.Column('persona_age', sa.Integer(), nullable=True),
    sa.Column('persona_personality', sa.String(length=500), nullable=False),
    sa.Column('persona_background', sa.String(length=1000), nullable=False),
    sa.Column('gender', sa.String(length=40), nullable=False),
    sa.Column('age_range', sa.String(length=40), nullable=False),
    sa.Column('ethnicity', sa.String(length=80), nullable=False),
    sa.Column('body_type', sa.String(length=40), nullable=False),
    sa.Column('hair_style', sa.String(length=80), nullable=False),
    sa.Column('hair_colour', sa.String(length=40), nullable=False),
    sa.Column('eye_colour', sa.String(length=40), nullable=False),
    sa.Column('skin_tone', sa.String(length=40), nullable=False),
    sa.Column('style', sa.String(length=80), nullable=False),
    sa.Column('prompt', sa.Text(), nullable=False),
    sa.Column('negative_prompt', sa.Text(), nullable=False),
    sa.Column('seed', sa.BigInteger(), nullable=True),
    sa.Column('preset_slug', sa.String(length=80), nullable=True),
    sa.Column('usage_count', sa.Integer(), nullable=False),
    sa.Column('last_used_at', studio.db.types.UTCDateTime(), nullable=True),
    sa.Column('created_at', studio.db.types.UTCDateTime(), nullable=False),
    sa.Column('updated_at', studio.db.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['avatar_projects.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('avatars', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_avatars_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_avatars_user_id'), ['user_id'], unique=False)

    op.create_table('pose_favourites',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('pose_id', sa.Integer(), nullable=False),
    sa.Column('created_at', studio.db.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['pose_id'], ['poses.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'pose_id')
    )
    with op.batch_alter_table('pose_favourites', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pose_favourites_pose_id'), ['pose_id'], unique=False)

    op.create_table('pose_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('description', sa.String(length=1000), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('reference_image_path', sa.String(length=500), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('admin_note', sa.String(length=1000), nullable=False),
    sa.Column('answered_pose_id', sa.Integer(), nullable=True),
    sa.Column('votes', sa.Integer(), nullable=False),
    sa.Column('created_at', studio.db.types.UTCDateTime(), nullable=False),
    sa.Column('updated_at', studio.db.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['answered_pose_id'], ['poses.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['category_id'], ['pose_categories.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('pose_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pose_requests_user_id'), ['user_id'], unique=False)

    op.create_table('generations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('avatar_id', sa.Integer(), nullable=True),
    sa.Column('preset_key', sa.String(length=50), nullable=False),
    sa.Column('params', studio.db.types.JSONType, nullable=False),
    sa.Column('background', studio.db.types.JSONType, nullable=True),
    sa.Column('export_formats', studio.db.types.JSONType, nullable=False),
    sa.Column('submission_key', sa.String(length=100), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('total_items', sa.Integer(), nullable=False),
    sa.Column('done_items', sa.Integer(), nullable=False),
    sa.Column('failed_items', sa.Integer(), nullable=False),
    sa.Column('cancelled_items', sa.Integer(), nullable=False),
    sa.Column('credits_charged', sa.Integer(), nullable=False),
    sa.Column('credits_refunded', sa.Integer(), nullable=False),
    sa.Column('quota_charged', sa.Integer(), nullable=False),
    sa.Column('price_per_item', sa.Integer(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('cancel_requested', sa.Boolean(), nullable=False),
    sa.Column('error', sa.String(length=1000), nullable=False),
    sa.Column('heartbeat_at', studio.db.types.UTCDateTime(), nullable=True),
    sa.Column('created_at', studio.db.types.UTCDateTime(), nullable=False),
    sa.Column('started_at', studio.db.types.UTCDateTime(), nullable=True),
    sa.Column('finished_at', studio.db.types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['avatar_id'], ['avatars.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_id', 'submission_key', name='uq_generations_user_submission')
    )
    with op.batch_alter_table('generations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_generations_status'), ['status'], unique=False)
        batch_op.create_index('ix_generations_status_heartbeat', ['status', 'heartbeat_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_generations_user_id'), ['user_id'], unique=False)

    op.create_table('pose_request_votes',
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', studio.db.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['request_id'], ['pose_requests.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('request_id', 'user_id')
    )

    op.create_table('avatar_usage',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('avatar_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('generation_id', sa.Integer(), nullable=True),
    sa.Column('poses', sa.Integer(), nullable=False),
    sa.Column('used_at', studio.db.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['avatar_id'], ['avatars.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['generation_id'], ['generations.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('avatar_usage', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_avatar_usage_avatar_id'), ['avatar_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_avatar_usage_user_id'), ['user_id'], unique=False)

    op.create_table('generation_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('generation_id', sa.Integer(), nullable=False),
    sa.Column('pose_id', sa.Integer(), nullable=True),
    sa.Column('keypoints', studio.db.types.JSONType, nullable=False),
    sa.Column('pose_name', sa.String(length=120), nullable=False),
    sa.Column('variation', sa.Integer(), nullable=False),
    sa.Column('resume_key', sa.String(length=100), nullable=False),
    sa.Column('seed', sa.BigInteger(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('image_path', sa.String(length=500), nullable=False),
    sa.Column('thumbnail_path', sa.String(length=500), nullable=False),
    sa.Column('exports', studio.db.types.JSONType, nullable=False),
    sa.Column('seconds', sa.Float(), nullable=True),
    sa.Column('error', sa.String(length=1000), nullable=False),
    sa.Column('favourite', sa.Boolean(), nullable=False),
    sa.Column('created_at', studio.db.types.UTCDateTime(), nullable=False),
    sa.Column('finished_at', studio.db.types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['generation_id'], ['generations.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['pose_id'], ['poses.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('generation_id', 'resume_key', name='uq_generation_items_resume_key')
    )
    with op.batch_alter_table('generation_items', schema=None) as batch_op:
        batch_op.create_index('ix_generation_items_generation_status', ['generation_id', 'status'], unique=False)

    # ### end Alembic commands ###


def downgrade() -> None:
    op.drop_table('generation_items')
    op.drop_table('avatar_usage')
    op.drop_table('pose_request_votes')
    op.drop_table('generations')
    op.drop_table('pose_requests')
    op.drop_table('pose_favourites')
    op.drop_table('avatars')
    op.drop_table('poses')
    op.drop_table('avatar_projects')
    op.drop_table('pose_categories')
    op.drop_table('persona_examples')
    op.drop_table('avatar_presets')
