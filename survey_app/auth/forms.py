from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    username = StringField("用户名 Username", validators=[DataRequired(message="请填写用户名"), Length(max=64)])
    password = PasswordField("密码 Password", validators=[DataRequired(message="请填写密码"), Length(max=128)])
    submit = SubmitField("登录 Log in")
