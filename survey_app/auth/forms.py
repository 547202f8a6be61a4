from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length


class LoginForm(FlaskForm):
    username = StringField("用户名 Username", validators=[DataRequired(message="请填写用户名"), Length(max=64)])
    password = PasswordField("密码 Password", validators=[DataRequired(message="请填写密码"), Length(max=128)])
    submit = SubmitField("登录 Log in")


class SecondFactorForm(FlaskForm):
    # Six digits from the app, or a recovery code (letters and digits): one field for both.
    otp = StringField("验证码 Code", validators=[DataRequired(message="请填写验证码"), Length(max=32)])
    submit = SubmitField("确认 Confirm")


class EnrolForm(SecondFactorForm):
    # the password again before a factor is added (ASVS 7.5.1): a borrowed session must not
    # tie the account to someone else's phone
    current = PasswordField("现在的密码 Current password", validators=[DataRequired(message="请填写现在的密码"), Length(max=128)])


class PasswordChangeForm(FlaskForm):
    current = PasswordField("现在的密码 Current password", validators=[DataRequired(message="请填写现在的密码"), Length(max=128)])
    otp = StringField("验证码 Code", validators=[Length(max=32)])
    new = PasswordField("新密码 New password", validators=[DataRequired(message="请填写新密码"), Length(max=512)])
    confirm = PasswordField("再输一次新密码 New password again",
                            validators=[EqualTo("new", message="两次输入的新密码不一样")])
    submit = SubmitField("修改密码 Change password")


class EndSessionsForm(FlaskForm):
    current = PasswordField("现在的密码 Current password", validators=[DataRequired(message="请填写现在的密码"), Length(max=128)])
    submit = SubmitField("退出其他所有登录 Log out everywhere else")
