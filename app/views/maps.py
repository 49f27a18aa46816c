"""What the map scripts need, for every page with a map (public and staff)."""
from flask import url_for

from app.settings import setting

from app.workflow import regions


def map_settings():
    """What the map scripts need (tile URL and attribution, offline outline): the template passes it on."""
    code = regions.installation_region()
    outline = regions.shipped_outline_path(code[0]) if code else None
    return {
        "tiles": setting("MAP_TILE_URL") or "",
        "attribution": setting("MAP_TILE_ATTRIBUTION") or "",
        "outline": url_for("static", filename=f"geo/{code[0]}.geojson") if outline else "",
        "points": {k: list(v) for k, v in regions.kecamatan_points().items()},
    }
