"""The public home page (the FAB index view)."""
from flask_appbuilder import IndexView, expose


class PublicIndexView(IndexView):
    index_template = "public/index.html"

    @expose("/")
    def index(self):
        return self.render_template(self.index_template, appbuilder=self.appbuilder)
