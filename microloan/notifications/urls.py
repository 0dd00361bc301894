from django.urls import path

from . import views

app_name = "notifications"
urlpatterns = [
    path("messages/", views.message_log, name="messages"),
    path("messages/<str:message_id>/", views.message_page, name="message"),
    path("messages/<str:message_id>/retry/", views.message_retry, name="message_retry"),
    path("messages/<str:message_id>/cancel/", views.message_cancel, name="message_cancel"),
    path("templates/", views.template_list, name="templates"),
    path("templates/<slug:code>/", views.template_edit, name="template"),
]
