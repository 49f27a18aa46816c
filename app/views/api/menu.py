"""FAB's menu API (``/api/v1/menu/``), answering its refusals like every other API (app/api_messages.py).

The class keeps FAB's name: the permission table names the view ``MenuApi``.
"""
from flask_appbuilder.menu import MenuApi as FabMenuApi

from app.api_messages import ApiMessages


class MenuApi(ApiMessages, FabMenuApi):
    pass
